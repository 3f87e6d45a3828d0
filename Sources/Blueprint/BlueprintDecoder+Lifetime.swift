import Yams

/// The `expire:` and `limits:` sections: how long environments live and how many at once.
extension BlueprintDecoder {
    static let expireKeys = ["after", "keep_labels"]
    static let limitsKeys = ["max_environments"]

    /// `nil` after reporting a problem; a valid section always has `after` (without it nothing
    /// would ever expire, which is what leaving `expire` out says).
    mutating func decodeExpiry(_ entry: MappingEntry) -> Expiry? {
        guard let entries = sectionEntries(entry, what: "`expire`", shape: " with `after` and optionally `keep_labels`",
                                           allowed: Self.expireKeys, place: " in `expire`") else { return nil }
        let value: (String) -> Node? = { key in entries.first { $0.key == key }?.value }
        var keepLabels: [String] = []
        var valid = true
        if let node = value("keep_labels") {
            let labels = decodeStringList(node, path: "`expire.keep_labels`", expectation: "a list of labels")
            keepLabels = (labels ?? []).map(\.0)
            valid = labels != nil
        }
        guard let node = value("after") else {
            diagnostics.error(entry.keyLocation, "missing required key `after` in `expire` (e.g. `after: 72h`); leave `expire` out for environments that never expire")
            return nil
        }
        guard let text = node.text else {
            diagnostics.error(node.location, "`expire.after` must be a duration such as `72h`, found \(node.kindDescription)")
            return nil
        }
        guard let seconds = Expiry.seconds(text) else {
            diagnostics.error(node.location, "invalid duration `\(text)` for `expire.after`: write a positive whole number and a unit (s, m, h or d), e.g. `72h`")
            return nil
        }
        return valid ? Expiry(after: seconds, written: text, keepLabels: keepLabels) : nil
    }

    mutating func decodeLimits(_ entry: MappingEntry) -> Limits? {
        guard let entries = sectionEntries(entry, what: "`limits`", shape: " with `max_environments`", allowed: Self.limitsKeys,
                                           place: " in `limits`") else { return nil }
        guard let node = entries.first(where: { $0.key == "max_environments" })?.value else { return Limits() }
        guard let text = node.text, text.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(text), count > 0 else {
            let found = node.text.map { "`\($0)`" } ?? node.kindDescription
            diagnostics.error(node.location, "`limits.max_environments` must be a whole number of at least 1, found \(found); leave it out for no cap")
            return nil
        }
        return Limits(maxEnvironments: count)
    }
}
