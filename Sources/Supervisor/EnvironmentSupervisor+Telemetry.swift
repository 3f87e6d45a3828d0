import Foundation
import Orchestrator
import Telemetry

extension EnvironmentSupervisor {
    /// Sets the gauges that describe the state rather than events: environments per state (as
    /// `GET /api/environments` reports them) and the inbox events not yet processed. Called at each
    /// scrape of `/metrics`, so they are as fresh as the scrape with no timer of their own. On a
    /// shared PostgreSQL state every replica reports the same totals: aggregate with `max`, not `sum`.
    ///
    /// The depth reads each pending key's events: cheap while the inbox keeps up (its usual state),
    /// proportional to the backlog when it does not.
    public func sampleGauges() async throws {
        let report = await report(records: try await store.list())
        Telemetry.environments(byState: Dictionary(grouping: report.environments, by: \.state).mapValues(\.count))
        var pending = 0
        for key in try await inbox.pendingKeys() { pending += try await inbox.pending(key: key).count }
        Telemetry.inboxPending(pending)
    }
}
