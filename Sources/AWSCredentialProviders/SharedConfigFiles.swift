import Foundation

/// Where the shared files live: `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else `$HOME/.aws/…`.
///
/// HOME comes from the injected environment so tests never read the developer's real `~/.aws`.
public struct SharedConfigPaths: Sendable, Equatable {
    public enum Kind: Sendable { case config, credentials }

    public var configFile: String
    public var credentialsFile: String
    /// Used to show paths as `~/.aws/config` in messages.
    public var home: String?

    public init(configFile: String, credentialsFile: String, home: String? = nil) {
        self.configFile = configFile
        self.credentialsFile = credentialsFile
        self.home = home
    }

    public init(environment: [String: String]) {
        // The SDKs fall back to the account's home directory when HOME is unset.
        let home = environment.nonEmpty("HOME") ?? NSHomeDirectory()
        func expand(_ path: String) -> String {
            guard path == "~" || path.hasPrefix("~/") else { return path }
            return home + path.dropFirst()
        }
        let base = home + "/.aws/"
        self.init(
            configFile: environment.nonEmpty("AWS_CONFIG_FILE").map(expand) ?? base + "config",
            credentialsFile: environment.nonEmpty("AWS_SHARED_CREDENTIALS_FILE").map(expand) ?? base + "credentials",
            home: home
        )
    }

    public func path(_ kind: Kind) -> String {
        kind == .config ? configFile : credentialsFile
    }

    /// The path with the home directory abbreviated, for messages.
    public func display(_ kind: Kind) -> String {
        let path = path(kind)
        guard let home, !home.isEmpty, home != "/", path.hasPrefix(home + "/") else { return path }
        return "~" + path.dropFirst(home.count)
    }

    /// The file's text, or nil when it does not exist. A file that exists but cannot be read is an error,
    /// because silently skipping it would pick a different identity than the user configured.
    func read(_ kind: Kind) throws -> String? {
        let path = path(kind)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw CredentialError(.invalidConfiguration, provider: "shared config", "cannot read file", location: display(kind))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CredentialError(.invalidConfiguration, provider: "shared config", "file is not valid UTF-8", location: display(kind))
        }
        return text
    }
}

/// Where a setting was read, so errors can say "~/.aws/config:12" instead of "somewhere in your config".
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    /// The path as shown to users (home directory abbreviated to `~`).
    public var path: String
    /// 1-based line number.
    public var line: Int

    public init(path: String, line: Int) {
        self.path = path
        self.line = line
    }

    public var description: String { "\(path):\(line)" }
}

/// One `key = value` setting, with the nested `sub = value` lines that may follow an empty value.
public struct ConfigProperty: Sendable, Equatable {
    public var value: String
    /// Indented `name = value` lines under a property with an empty value (e.g. `s3 =` / `  addressing_style = path`);
    /// names are lower-cased.
    public var subProperties: [String: String]
    public var location: ConfigLocation

    public init(value: String, subProperties: [String: String] = [:], location: ConfigLocation) {
        self.value = value
        self.subProperties = subProperties
        self.location = location
    }
}

/// A `[header]` block exactly as written; profile/prefix rules are applied later by `AWSSharedConfig`.
struct RawSection: Sendable {
    var header: String
    var location: ConfigLocation
    /// Lower-cased key → property; a later duplicate replaces an earlier one, as in the SDKs.
    var properties: [String: ConfigProperty] = [:]
}

/// The line-level grammar shared by `~/.aws/config` and `~/.aws/credentials`, following the AWS SDKs' profile-file spec:
/// `#`/`;` comment lines, `[section]` headers (trailing comments allowed), `key = value` (a `#`/`;` after whitespace
/// starts a comment), indented continuation lines, and sub-properties under an empty value.
///
/// Errors quote the file and line but never the line's text, because that text may be a secret key.
enum ProfileFileParser {
    static func parse(_ text: String, path: String) throws -> [RawSection] {
        var sections: [RawSection] = []
        var currentKey: String?
        var lineNumber = 0
        // "\r\n" is a single Character in Swift, so it has to be named as a separator of its own.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if lineNumber == 1, line.first == "\u{FEFF}" { line = line.dropFirst() }
            let location = ConfigLocation(path: path, line: lineNumber)
            let trimmed = line.trimmingBlanks()
            if trimmed.isEmpty || trimmed.first == "#" || trimmed.first == ";" { continue }

            if line.first == "[" {
                let header = stripComment(line, needsWhitespace: false)
                guard header.hasSuffix("]") else { throw malformed(location, "section header must end with ']'") }
                let name = header.dropFirst().dropLast().trimmingBlanks()
                guard !name.isEmpty else { throw malformed(location, "empty section header '[]'") }
                sections.append(RawSection(header: String(name), location: location))
                currentKey = nil
            } else if line.first == " " || line.first == "\t" {
                guard let last = sections.indices.last else { throw malformed(location, "expected a [section] header before this line") }
                guard let key = currentKey, var property = sections[last].properties[key] else {
                    throw malformed(location, "indented line does not continue a setting")
                }
                if property.value.isEmpty {
                    // Sub-property block (`s3 =` followed by indented `name = value` lines).
                    let (subKey, subValue) = try splitSetting(stripComment(trimmed, needsWhitespace: true), location, what: "sub-setting")
                    property.subProperties[subKey] = subValue
                } else {
                    property.value += "\n" + trimmed
                }
                sections[last].properties[key] = property
            } else {
                guard let last = sections.indices.last else { throw malformed(location, "expected a [section] header before the first setting") }
                let (key, value) = try splitSetting(stripComment(trimmed, needsWhitespace: true), location, what: "setting")
                sections[last].properties[key] = ConfigProperty(value: value, location: location)
                currentKey = key
            }
        }
        return sections
    }

    /// Splits `name = value` at the first `=`; names are case-insensitive, so they are lower-cased here.
    private static func splitSetting(_ text: Substring, _ location: ConfigLocation, what: String) throws -> (String, String) {
        guard let equals = text.firstIndex(of: "=") else { throw malformed(location, "expected 'name = value' \(what)") }
        let key = text[..<equals].trimmingBlanks()
        guard !key.isEmpty else { throw malformed(location, "\(what) has no name before '='") }
        return (key.lowercased(), String(text[text.index(after: equals)...].trimmingBlanks()))
    }

    /// Cuts a trailing `#`/`;` comment. In values a comment must follow whitespace so `a=b#c` keeps its `#`.
    private static func stripComment(_ line: Substring, needsWhitespace: Bool) -> Substring {
        var previousIsBlank = false
        for index in line.indices {
            let character = line[index]
            if (character == "#" || character == ";") && (previousIsBlank || !needsWhitespace) {
                return line[..<index].trimmingBlanks()
            }
            previousIsBlank = character == " " || character == "\t"
        }
        return line.trimmingBlanks()
    }

    private static func malformed(_ location: ConfigLocation, _ message: String) -> CredentialError {
        CredentialError(.invalidConfiguration, provider: "shared config", "malformed line: \(message)", location: location.description)
    }
}

extension Substring {
    /// Trims spaces and tabs only: the profile-file spec treats other characters as content.
    func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isBlank($0) }), let end = lastIndex(where: { !isBlank($0) }) else { return "" }
        return self[start...end]
    }
}
