import Logging

/// `GET /readyz`: whether this server should get traffic, as opposed to `/healthz` (whether the
/// process answers at all: a liveness probe that fails gets the process restarted, which would not
/// help a database outage). Ready means: saved work resumed (the server then listens anyway, but
/// kept for in-process use), blueprints loaded, the state store answering a cheap query within
/// `probeTimeout`, and no shutdown under way. A load balancer's health check on it stops sending
/// webhooks to a server that could not record them, and to one that is draining.
struct Readiness: Sendable {
    static let probeTimeout: Duration = .seconds(2)

    let lifecycle: ServeLifecycle
    let started: StartSignal
    let blueprintsLoaded: Bool
    let probeStore: @Sendable () async throws -> Void
    let logger: Logger

    /// Nil when ready; else why not, in words fit for an unauthenticated answer (the store's error
    /// itself goes to the log only: it can name hosts and paths).
    func notReadyReason() async -> String? {
        if lifecycle.isDraining { return "draining: prenv is shutting down" }
        if !started.isOpen { return "starting: resuming the work saved in the state store" }
        if !blueprintsLoaded { return "no blueprints loaded" }
        let probe = probeStore
        let outcome: Result<Bool, any Error> = await withTaskGroup(of: Result<Bool, any Error>?.self) { group in
            group.addTask {
                do {
                    try await probe()
                    return .success(true)
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: Self.probeTimeout)
                return Task.isCancelled ? nil : .success(false)
            }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let next { return next }
            }
            return .success(false)
        }
        switch outcome {
        case .success(true):
            return nil
        case .success(false):
            logger.warning("readiness: the state store did not answer in time", metadata: ["timeout": "\(Self.probeTimeout)"])
            return "state store unreachable: no answer in time"
        case .failure(let error):
            logger.warning("readiness: the state store cannot be reached", metadata: ["error": "\(error)"])
            return "state store unreachable; see prenv's log"
        }
    }
}
