import Blueprint

/// Typed reads of a resource's resolved properties, with errors that name the property.
extension Dictionary where Key == String, Value == RenderedValue {
    func string(_ key: String) -> String? {
        self[key]?.stringValue
    }

    func requiredString(_ key: String) throws(ProviderError) -> String {
        guard let value = self[key]?.stringValue, !value.isEmpty else {
            throw ProviderError.invalidProperty(property: key, reason: "a non-empty string is required")
        }
        return value
    }

    func bool(_ key: String) -> Bool? {
        if case .bool(let value)? = self[key] { return value }
        return nil
    }

    /// A map of strings (`environment_variables`, `parameters`, `replace_projects`); other values are skipped.
    func stringMap(_ key: String) -> [String: String] {
        guard case .map(let values)? = self[key] else { return [:] }
        return values.compactMapValues(\.stringValue)
    }

    func stringList(_ key: String) -> [String] {
        guard case .list(let values)? = self[key] else { return [] }
        return values.compactMap(\.stringValue)
    }
}
