/// How long an environment may live without a push (`expire:`). An environment nobody pushes to
/// keeps costing money; expiring it after `after` and bringing it back on the next push (or when a
/// keep label is added) bounds that cost without losing work.
public struct Expiry: Sendable, Hashable {
    /// Seconds since the last push after which the environment is destroyed.
    public let after: Double
    /// `after` as the blueprint writes it (`72h`), so messages use the author's words.
    public let written: String
    /// A PR carrying any of these (case-insensitive, as GitHub labels are) never expires.
    public let keepLabels: [String]

    public init(after: Double, written: String, keepLabels: [String] = []) {
        self.after = after
        self.written = written
        self.keepLabels = keepLabels
    }

    /// Whether `labels` include a keep label.
    public func keeps(labels: [String]) -> Bool {
        let keep = Set(keepLabels.map { $0.lowercased() })
        return labels.contains { keep.contains($0.lowercased()) }
    }

    /// The commit-status sentence of an expired environment: what happened and how to undo it,
    /// naming the first keep label (without any, it ends after the push it waited for).
    public var reason: String {
        let expired = "Expired after \(written) without a push"
        guard let label = keepLabels.first else { return expired }
        return "\(expired); push or label \(label) to bring it back"
    }

    /// `72h`, `30m`, `2d`: a positive whole number and one unit; nil for anything else.
    static func seconds(_ text: String) -> Double? {
        guard let seconds = DurationText.seconds(text), seconds > 0 else { return nil }
        return seconds
    }
}

/// Durations as prenv's users write them, in blueprints (`expire.after`) and flags
/// (`prenv gc --older-than`): a whole number and one unit, `s`, `m`, `h` or `d` (`90m`, `72h`).
public enum DurationText {
    static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]

    /// Seconds, or nil for anything else (`1.5h`, `-3h`, `soon`, `72`); `0s` is zero. Numbers
    /// beyond `Int32.max` are refused rather than rounded.
    public static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, let scale = units[unit] else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits), count <= Int(Int32.max)
        else { return nil }
        return Double(count) * scale
    }
}

/// `limits:`: bounds on what one blueprint may hold at once.
public struct Limits: Sendable, Hashable {
    /// Live environments of the blueprint at once (provisioning, ready, failed with resources,
    /// destroying); further PRs wait for a slot in order of arrival. Nil: no cap.
    public let maxEnvironments: Int?

    public init(maxEnvironments: Int? = nil) {
        self.maxEnvironments = maxEnvironments
    }
}
