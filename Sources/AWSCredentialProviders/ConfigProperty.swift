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
