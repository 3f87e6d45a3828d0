import Foundation

/// The merged contents of `~/.aws/config` and `~/.aws/credentials`, so the credential provider and AWSCore's
/// region/endpoint resolution read the same files with the same rules as the AWS SDKs and CLI.
public struct AWSSharedConfig: Sendable {
    /// A named group of settings: a profile, or another section kind such as `[services name]`.
    public struct Section: Sendable, Equatable {
        public var name: String
        /// Lower-cased key → property.
        public var properties: [String: ConfigProperty]
    }

    /// Profiles by name (case-sensitive), config-file settings overlaid by credentials-file settings.
    public internal(set) var profiles: [String: Section] = [:]
    /// Non-profile config sections by prefix then name, e.g. `sections["services"]?["local"]`.
    public internal(set) var sections: [String: [String: Section]] = [:]
    /// `AWS_PROFILE`, or "default".
    public let selectedProfile: String
    public let paths: SharedConfigPaths
    /// Which of the two files existed, as display paths.
    public internal(set) var loadedFiles: [String] = []
    /// Sections and keys the SDKs would ignore (with file:line), for `prenv doctor`.
    public internal(set) var warnings: [String] = []

    /// Reads both files as the SDKs locate them. Missing files are not an error; unreadable or malformed ones are.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AWSSharedConfig {
        let paths = SharedConfigPaths(environment: environment)
        let config = try paths.read(.config)
        let credentials = try paths.read(.credentials)
        var result = try AWSSharedConfig(config: config, credentials: credentials, paths: paths,
                                         selectedProfile: environment.nonEmpty("AWS_PROFILE") ?? "default")
        for (kind, variable) in [(SharedConfigPaths.Kind.config, "AWS_CONFIG_FILE"), (.credentials, "AWS_SHARED_CREDENTIALS_FILE")]
        where environment.nonEmpty(variable) != nil && (kind == .config ? config : credentials) == nil {
            result.warnings.append("\(variable) points to \(paths.display(kind)), which does not exist")
        }
        return result
    }

    /// Parses file contents directly (nil = file absent); `load` is the usual entry point.
    public init(config: String?, credentials: String?, paths: SharedConfigPaths, selectedProfile: String = "default") throws {
        self.paths = paths
        self.selectedProfile = selectedProfile
        if let config {
            loadedFiles.append(paths.display(.config))
            mergeConfig(try ProfileFileParser.parse(config, path: paths.display(.config)))
        }
        if let credentials {
            loadedFiles.append(paths.display(.credentials))
            mergeCredentials(try ProfileFileParser.parse(credentials, path: paths.display(.credentials)))
        }
    }

    /// The profile's `region`, or nil when unset or the profile does not exist.
    public func region(profile: String) -> String? {
        value("region", profile: profile)
    }

    /// A profile setting by case-insensitive key; empty values count as unset.
    public func value(_ key: String, profile: String) -> String? {
        guard let value = profiles[profile]?.properties[key.lowercased()]?.value, !value.isEmpty else { return nil }
        return value
    }

    /// A sub-setting such as `s3 =` / `  addressing_style = path`.
    public func subValue(_ key: String, _ subKey: String, profile: String) -> String? {
        profiles[profile]?.properties[key.lowercased()]?.subProperties[subKey.lowercased()]
    }
}

/// The SDKs' rules for turning raw `[sections]` of the two files into profiles and other sections.
extension AWSSharedConfig {
    /// `[config]`: `[profile name]` and `[default]` are profiles; `[profile default]` replaces `[default]`;
    /// other prefixes (`services`, `sso-session`) are kept as sections; a bare `[name]` is ignored, as the SDKs do.
    mutating func mergeConfig(_ raw: [RawSection]) {
        let hasPrefixedDefault = raw.contains { Self.split($0.header) == ("profile", "default") }
        for section in raw {
            let (prefix, name) = Self.split(section.header)
            switch (prefix, name) {
            case (nil, "default") where hasPrefixedDefault:
                warnings.append("\(section.location): [default] ignored because [profile default] takes priority")
            case (nil, "default"), ("profile"?, _):
                mergeProfile(name, section)
            case (nil, _):
                warnings.append("\(section.location): [\(name)] ignored; config-file profiles are written [profile \(name)]")
            case (let prefix?, _):
                guard Self.isIdentifier(name) else { warnings.append("\(section.location): [\(section.header)] ignored; invalid name"); continue }
                var group = sections[prefix, default: [:]]
                var merged = group[name] ?? Section(name: name, properties: [:])
                merged.properties.merge(validProperties(section)) { _, new in new }
                group[name] = merged
                sections[prefix] = group
            }
        }
    }

    /// `[credentials]`: only bare `[name]` sections; its settings override the config file's for the same profile.
    mutating func mergeCredentials(_ raw: [RawSection]) {
        for section in raw {
            let (prefix, name) = Self.split(section.header)
            if prefix != nil {
                warnings.append("\(section.location): [\(section.header)] ignored; the credentials file uses [\(name)] without a prefix")
                continue
            }
            mergeProfile(name, section)
        }
    }

    mutating func mergeProfile(_ name: String, _ section: RawSection) {
        guard Self.isIdentifier(name) else {
            warnings.append("\(section.location): profile '\(name)' ignored; names may use letters, digits and _-/.%@:+")
            return
        }
        var profile = profiles[name] ?? Section(name: name, properties: [:])
        profile.properties.merge(validProperties(section)) { _, new in new }
        profiles[name] = profile
    }

    mutating func validProperties(_ section: RawSection) -> [String: ConfigProperty] {
        section.properties.filter { key, property in
            if Self.isIdentifier(key) { return true }
            warnings.append("\(property.location): setting ignored; its name is not a valid identifier")
            return false
        }
    }

    /// `profile  name` → ("profile", "name"); `default` → (nil, "default").
    static func split(_ header: String) -> (prefix: String?, name: String) {
        let parts = header.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count > 1, let first = parts.first else { return (nil, header) }
        return (first, parts.dropFirst().joined(separator: " "))
    }

    static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-/.%@:+".contains($0)) }
    }
}
