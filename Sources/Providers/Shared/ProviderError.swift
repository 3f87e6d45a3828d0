import AWSCore

/// Problems providers find themselves; AWS's own errors travel as `AWSError` (code and message intact).
public enum ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A required property is missing or has the wrong shape (validation should have caught it).
    case invalidProperty(property: String, reason: String)
    /// A resource with this name exists but prenv does not manage it for this environment: never touched.
    case foreignResource(kind: String, name: String, detail: String)
    /// AWS finished the operation in a failed state, with AWS's reason.
    case failed(kind: String, name: String, reason: String)
    /// prenv will not do this for a pull request (an unaccounted pipeline action); `reason` says why
    /// and how to proceed.
    case refused(reason: String)
    /// Waited `seconds` for a terminal state that never came.
    case timedOut(kind: String, name: String, waitingFor: String, seconds: Int)

    public var description: String {
        switch self {
        case .invalidProperty(let property, let reason):
            "property `\(property)`: \(reason)"
        case .foreignResource(let kind, let name, let detail):
            "\(kind) \(name) exists but is not managed by prenv for this environment (\(detail)); prenv will not modify or delete it"
        case .failed(let kind, let name, let reason):
            "\(kind) \(name) failed: \(reason)"
        case .refused(let reason):
            reason
        case .timedOut(let kind, let name, let waitingFor, let seconds):
            "\(kind) \(name): gave up after \(seconds) s waiting for \(waitingFor)"
        }
    }
}
