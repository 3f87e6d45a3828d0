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
