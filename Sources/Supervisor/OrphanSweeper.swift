import Blueprint
import Foundation
import Logging
import Orchestrator

/// `prenv serve`'s periodic orphan sweep: every interval, find the orphans older than the interval
/// and delete them, except those of PR-closed environments (the supervisor's PR check tears those
/// down through the normal path, with statuses) and of environments with an operation running.
/// Keeps the latest report for `GET /api/orphans` and `/api/environments`.
public actor OrphanSweeper {
    let sweep: OrphanSweep
    let isBusy: @Sendable (EnvironmentKey) async -> Bool
    let logger: Logger
    /// The last sweep's report; nil before the first one ends.
    public private(set) var latest: OrphanReport?
    /// Why the last sweep could not run at all (the state store could not be read), or nil.
    public private(set) var latestError: String?

    public init(sweep: OrphanSweep, isBusy: @escaping @Sendable (EnvironmentKey) async -> Bool, logger: Logger = Logger(label: "prenv.gc")) {
        self.sweep = sweep
        self.isBusy = isBusy
        self.logger = logger
    }

    /// One sweep: find, delete what may be deleted, log each deletion (`info`) and failure (`warning`).
    @discardableResult
    public func sweepOnce(olderThan: TimeInterval) async -> OrphanReport? {
        let isBusy = self.isBusy
        do {
            let found = try await sweep.find(olderThan: olderThan)
            let report = try await sweep.apply(found) { finding in
                if finding.reason == .pullRequestClosed { return .leftToPullRequestCheck }
                if let key = finding.environment.key, await isBusy(key) { return .busy }
                return nil
            }
            log(report)
            latest = report
            latestError = nil
            return report
        } catch is CancellationError {
            return nil
        } catch {
            logger.error("orphan sweep could not read the state store; nothing deleted", metadata: ["error": "\(TagText.printable("\(error)"))"])
            latestError = "cannot read the state store"
            return nil
        }
    }

    /// Runs `sweepOnce(olderThan: interval)` every `interval` until cancelled, each time `when`
    /// says so (with several replicas: on the leader only).
    public func run(every interval: Duration, when: @escaping @Sendable () async -> Bool = { true }) async {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            guard await when() else { continue }
            await sweepOnce(olderThan: seconds)
        }
    }

    private func log(_ report: OrphanReport) {
        for problem in report.problems {
            logger.warning("orphan sweep: \(problem.subject) failed", metadata: ["error": "\(TagText.printable(problem.message))"])
        }
        for finding in report.findings {
            let metadata: Logger.Metadata = [
                "resource": "\(TagText.printable(finding.resource.identifier))", "type": "\(finding.resource.type.rawValue)",
                "environment": "\(finding.environment.printable)", "reason": "\(finding.reason.rawValue)",
            ]
            switch finding.outcome {
            case .deleted:
                logger.info("deleted orphaned resource", metadata: metadata)
            case .failed(let error):
                logger.warning("could not delete orphaned resource", metadata: metadata.merging(["error": "\(TagText.printable(error))"]) { $1 })
            case .spared(let reason):
                logger.debug("orphaned resource left for now", metadata: metadata.merging(["why": "\(reason.description)"]) { $1 })
            case .found:
                break
            }
        }
    }
}
