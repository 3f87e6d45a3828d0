import Foundation

/// The lifecycle phase of one PR environment; `EnvironmentStateMachine`'s state and what the record shows.
public enum EnvironmentPhase: Sendable, Hashable, Codable {
    /// Known, nothing started yet.
    case idle
    case provisioning(sha: String)
    case ready(sha: String)
    case destroying
    case destroyed
    /// The last apply (or destroy) for `sha` failed; `reason` is fit for a commit status.
    case failed(sha: String, reason: String)
    /// The blueprint does not apply to this PR (trigger rules, skip label, fork policy).
    case skipped(reason: String)
}

extension EnvironmentPhase {
    /// The phase's name as `prenv ls` and `/api/environments` show it.
    public var name: String {
        switch self {
        case .idle: "idle"
        case .provisioning: "provisioning"
        case .ready: "ready"
        case .destroying: "destroying"
        case .destroyed: "destroyed"
        case .failed: "failed"
        case .skipped: "skipped"
        }
    }

    /// Every phase's `name`: what a store reading names without decoding accepts.
    public static let names: Set<String> = [
        EnvironmentPhase.idle, .provisioning(sha: ""), .ready(sha: ""), .destroying, .destroyed, .failed(sha: "", reason: ""), .skipped(reason: ""),
    ].reduce(into: []) { $0.insert($1.name) }

    /// Why it failed or was skipped.
    public var reason: String? {
        switch self {
        case .failed(_, let reason), .skipped(let reason): reason
        case .idle, .provisioning, .ready, .destroying, .destroyed: nil
        }
    }

    /// The commit the phase is about, when it names one.
    public var sha: String? {
        switch self {
        case .provisioning(let sha), .ready(let sha), .failed(let sha, _): sha
        case .idle, .destroying, .destroyed, .skipped: nil
        }
    }
}

/// Everything the state store keeps for one PR environment.
public struct EnvironmentRecord: Sendable, Hashable, Codable {
    public var key: EnvironmentKey
    /// `env.name`, recorded so teardown and orphan hunting need no blueprint.
    public var envName: String
    /// The head commit of the last apply.
    public var headSHA: String
    public var state: EnvironmentPhase
    /// Node id → record; nodes marked `deleted` may stay until the environment is removed.
    public var nodes: [String: NodeRecord]
    public var updatedAt: Date

    public init(
        key: EnvironmentKey, envName: String, headSHA: String, state: EnvironmentPhase,
        nodes: [String: NodeRecord] = [:], updatedAt: Date
    ) {
        self.key = key
        self.envName = envName
        self.headSHA = headSHA
        self.state = state
        self.nodes = nodes
        self.updatedAt = updatedAt
    }

    /// Outputs of every created node, in the shape `Blueprint.render(…outputs:)` takes.
    public var createdOutputs: [String: [String: String]] {
        nodes.values.filter { $0.status == .created }.reduce(into: [:]) { $0[$1.id] = $1.outputs }
    }

    /// Whether any resource may still exist in AWS.
    public var hasLiveNodes: Bool { nodes.values.contains(where: \.mayExist) }
}
