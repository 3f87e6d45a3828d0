import Foundation
import Logging
import StateStorePostgres
import Supervisor

/// How a `prenv serve` on a PostgreSQL state takes part among replicas (`--replica-id`,
/// `--lease-duration`, `--replica-poll-interval`). SQLite has one server, which needs none of it.
public struct ReplicaSettings: Sendable, Equatable {
    /// This replica's name in leases, `pg_stat_activity` and log lines; nil: `PRENV_REPLICA_ID`,
    /// else made up at start (`defaultID`), so two replicas on one host never share one.
    public var id: String?
    /// How long a dead replica's PRs wait before another replica resumes them; renewed every third.
    public var leaseDuration: Duration
    /// How often a replica asks for work no live lease covers (a missed wake-up, a dead replica's PRs).
    public var pollInterval: Duration

    public init(id: String? = nil, leaseDuration: Duration = .seconds(30), pollInterval: Duration = .seconds(2)) {
        self.id = id
        self.leaseDuration = leaseDuration
        self.pollInterval = pollInterval
    }

    /// `host-pid-xxxx`: readable in `pg_stat_activity` and logs, unique across restarts (a restarted
    /// replica must not renew the leases of the process it replaces: those PRs are resumed by whoever
    /// takes them once they expire, as after any crash).
    static func defaultID(environment: [String: String]) -> String {
        if let given = environment["PRENV_REPLICA_ID"]?.trimmingCharacters(in: .whitespaces), !given.isEmpty { return given }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let suffix = String(UInt16.random(in: .min ... .max), radix: 16)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }

    /// The coordination over a PostgreSQL state: its leases, `LISTEN/NOTIFY` wake-ups and advisory-lock leader.
    func coordination(over state: PostgresState, environment: [String: String], logger: Logger) throws(StartupError) -> ReplicaCoordination {
        let holder = id ?? Self.defaultID(environment: environment)
        guard holder.utf8.count <= 200, holder.unicodeScalars.allSatisfy({ $0.isASCII && !$0.properties.isWhitespace && $0.value >= 0x21 }) else {
            throw StartupError("--replica-id / PRENV_REPLICA_ID must be up to 200 printable ASCII characters without spaces")
        }
        do {
            let coordination = ReplicaCoordination(
                holder: holder, leases: state.leaseStore(), signal: try state.workSignal(replica: holder), leader: try state.leader(replica: holder),
                leaseDuration: leaseDuration, pollEvery: pollInterval)
            logger.info("replica \(holder): PR leases of \(leaseDuration) on the shared PostgreSQL state", source: Composition.logSource)
            return coordination
        } catch {
            throw StartupError("cannot set up replica coordination on the PostgreSQL state: \(error)")
        }
    }
}
