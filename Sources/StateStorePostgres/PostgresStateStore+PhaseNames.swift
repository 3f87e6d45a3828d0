import Orchestrator
import PostgresNIO

/// Phase names read by PostgreSQL's JSON operators rather than by decoding records here: the
/// `prenv_environments` gauge wants one word per environment (see the SQLite store's twin for why).
/// A phase is the one key of the object Swift encodes `EnvironmentPhase` as (`{"ready":{"sha":…}}`);
/// the store contract suite holds these answers to `EnvironmentPhase.name` for every case.
extension PostgresStateStore {
    public func phaseNames() async throws -> [EnvironmentKey: String] {
        try await names("SELECT repository, pr, blueprint, phase_json::jsonb AS phase FROM prenv_environments",
                        what: "environment phase", operation: "phaseNames")
    }

    public func workerPhaseNames() async throws -> [EnvironmentKey: String] {
        try await names("SELECT repository, pr, blueprint, record_json::jsonb -> 'machine' -> 'phase' AS phase FROM prenv_workers",
                        what: "worker record's phase", operation: "workerPhaseNames")
    }

    /// `phases` selects the key columns and a `phase` object; anything but an object (an older or
    /// damaged row) reads as NULL and is named in the error, not left to `jsonb_object_keys`.
    private func names(_ phases: String, what: String, operation: String) async throws -> [EnvironmentKey: String] {
        let sql = """
            SELECT repository, pr, blueprint,
                   CASE WHEN jsonb_typeof(phase) = 'object' THEN (SELECT jsonb_object_keys(phase) LIMIT 1) END
            FROM (\(phases)) AS phases
            """
        return try await pool.read(operation) { connection in
            var names: [EnvironmentKey: String] = [:]
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: pool.logger)
            for try await (repository, pr, blueprint, name) in rows.decode((String, Int, String, String?).self) {
                let key = EnvironmentKey(repository: repository, pr: pr, blueprint: blueprint)
                guard let name else {
                    throw PostgresStateError(operation: operation, location: pool.location.description,
                                             reason: .undecodable(what: "the \(what) of \(key)", detail: "no phase object"))
                }
                names[key] = name
            }
            return names
        }
    }
}
