import Foundation
import Orchestrator

/// What a pull request shows about one environment, modelled once: the sticky comment renders it,
/// `/api/environments` serves it, and the deployment's states follow it. Fed by the same progress
/// the commit statuses are narrated from (`EnvironmentPresence`). Bounded: a resource per blueprint
/// node, a stage per pipeline stage, every text cut (`limits`), so a long-running server's memory
/// and a comment's size stay bounded whatever a PR or AWS writes.
public struct EnvironmentActivity: Sendable, Encodable, Equatable {
    /// Where the environment stands, as a PR reader would put it.
    public enum State: String, Sendable, Encodable, Equatable {
        case provisioning, ready, failed, superseded, destroying, destroyed, expired, skipped
        case teardownFailed = "teardown_failed"
        case waitingForSlot = "waiting_for_slot"

        /// An operation's end (or a decision that starts none): when the comment is written.
        public var isFinal: Bool { self != .provisioning && self != .destroying }
    }

    public struct Resource: Sendable, Encodable, Equatable {
        public var id: String
        public var type: String
        public var physicalName: String?
        /// `pending`, `creating`, `updating`, `deleting`, `created`, `updated`, `deleted`, `failed`, `skipped`, `cancelled`, `unchanged`.
        public var state: String
        /// The resource's AWS console page (`AWSConsoleLink`); nil without a region or a name.
        public var consoleURL: URL? {
            get { consoleLink.flatMap { URL(string: $0) } }
            set { consoleLink = newValue?.absoluteString }
        }
        /// `consoleURL` kept as its text: a `URL` holds its parse besides the string (about 450 bytes
        /// against 100), and a server keeps one per resource of every environment it shows.
        private var consoleLink: String?

        public init(id: String, type: String, physicalName: String? = nil, state: String, consoleURL: URL? = nil) {
            self.id = id
            self.type = type
            self.physicalName = physicalName
            self.state = state
            self.consoleLink = consoleURL?.absoluteString
        }

        enum CodingKeys: String, CodingKey {
            case id, type, state
            case physicalName = "physical_name"
            case consoleLink = "console_url"
        }
    }

    public struct Stage: Sendable, Encodable, Equatable {
        /// The pipeline resource's node id.
        public var node: String
        public var name: String
        /// The service's status: `InProgress`, `Succeeded`, `Failed`, `Stopped`, …
        public var state: String
        public var startedAt: Date?
        /// Seconds from the first sight of the stage to its end; nil while it runs.
        public var duration: Double?
        /// The service's word on a failed or stopped stage (AWS's message, masked), cut to `Limits.text`.
        public var summary: String? = nil

        enum CodingKeys: String, CodingKey {
            case node, name, state, duration, summary
            case startedAt = "started_at"
        }
    }

    public var repository: String
    public var pr: Int
    public var blueprint: String
    public var headSHA: String
    public var headRef: String
    /// `apply` or `destroy`; nil when none ran (skipped, waiting).
    public var operation: String?
    public var state: State
    /// One line on the state, e.g. "Environment ready: 4 resources", "Skipped: forks: skip".
    public var summary: String
    public var resources: [Resource]
    public var stages: [Stage]
    public var previewURL: URL?
    /// When the environment will be destroyed for want of a push (`expire.after`); nil without one.
    public var expiresAt: Date?
    /// AWS's (masked) reason of the last failure, cut to `limits.error`.
    public var lastError: String?
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case repository, pr, blueprint, operation, state, summary, resources, stages
        case headSHA = "head_sha"
        case headRef = "head_ref"
        case previewURL = "preview_url"
        case expiresAt = "expires_at"
        case lastError = "last_error"
        case updatedAt = "updated_at"
    }

    public var key: EnvironmentKey { EnvironmentKey(repository: repository, pr: pr, blueprint: blueprint) }

    /// Caps on what one activity keeps.
    public enum Limits {
        public static let resources = 100
        public static let stages = 50
        public static let text = 300
        public static let error = 1_000
    }
}

extension EnvironmentActivity {
    /// A stage's news, keeping its start time and measuring its duration when it ends.
    mutating func record(_ update: StageProgress, at now: Date) {
        let finished = StatusDetailFilter.isFinished(stage: update.status)
        if let index = stages.firstIndex(where: { $0.node == update.node && $0.name == update.stage }) {
            stages[index].state = update.status
            stages[index].summary = finished ? update.summary.map { String(Redaction.masked($0).prefix(Limits.text)) } : nil
            if finished, stages[index].duration == nil { stages[index].duration = now.timeIntervalSince(stages[index].startedAt ?? now) }
            if !finished { stages[index].duration = nil }
        } else if stages.count < Limits.stages {
            stages.append(Stage(node: update.node, name: String(update.stage.prefix(Limits.text)), state: String(update.status.prefix(40)),
                                startedAt: now, duration: finished ? 0 : nil,
                                summary: finished ? update.summary.map { String(Redaction.masked($0).prefix(Limits.text)) } : nil))
        }
    }

    /// A resource's news; the type comes from the blueprint when first seen.
    mutating func record(node: String, type: String?, state: String) {
        if let index = resources.firstIndex(where: { $0.id == node }) {
            resources[index].state = state
        } else if resources.count < Limits.resources {
            resources.append(Resource(id: node, type: type ?? "?", state: state))
        }
    }

    /// What the store recorded at an operation's end: physical names and final node states.
    mutating func adopt(_ stored: EnvironmentRecord?, region: String?) {
        guard let stored else { return }
        for node in stored.nodes.values.sorted(by: { $0.id < $1.id }) {
            let state = resources.first(where: { $0.id == node.id })?.state
            self.record(node: node.id, type: node.type.rawValue, state: state.map { Self.settled($0, node.status) } ?? node.status.rawValue)
            if let index = resources.firstIndex(where: { $0.id == node.id }) {
                resources[index].type = node.type.rawValue
                // Masked like `EnvironmentsReport` (an account id in an ARN or a name); a name that
                // masking changed gets no console link, which would carry it unmasked.
                let masked = node.physicalName.map(Redaction.masked)
                resources[index].physicalName = masked.map { String($0.prefix(Limits.text)) }
                resources[index].consoleURL = masked != node.physicalName ? nil
                    : AWSConsoleLink.url(type: node.type.rawValue, physicalName: node.physicalName, region: region)
            }
        }
    }

    /// The progress-derived state unless the run did not say (a node left untouched: `unchanged`).
    private static func settled(_ progress: String, _ stored: NodeStatus) -> String {
        progress == "pending" ? stored.rawValue : progress
    }
}
