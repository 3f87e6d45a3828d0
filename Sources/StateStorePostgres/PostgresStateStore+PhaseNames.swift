import Orchestrator
import PostgresNIO

/// Phase names read by PostgreSQL's JSON operators rather than by decoding records here: the
/// `prenv_environments` gauge wants one word per environment (see the SQLite store's twin for why).
/// A phase is the one key of the object Swift encodes `EnvironmentPhase` as (`{"ready":{"sha":…}}`);
/// the store contract suite holds these answers to `EnvironmentPhase.name` for every case.
extension PostgresStateStore {
    public func phaseNames() async throws -> [EnvironmentKey: String] {
        try await names("SELECT repository, pr, blueprint, \(Self.parsed("phase_json")) AS phase FROM prenv_environments",
                        what: "environment phase", operation: "phaseNames")
    }

    public func workerPhaseNames() async throws -> [EnvironmentKey: String] {
        try await names("SELECT repository, pr, blueprint, \(Self.parsed("record_json")) -> 'machine' -> 'phase' AS phase FROM prenv_workers",
                        what: "worker record's phase", operation: "workerPhaseNames")
    }

    /// `column` as jsonb, with every `\u0000` escape made `\u0001` first: jsonb refuses the NUL
    /// escape, which Swift writes for a NUL in any text of a record (a failure reason quoting a
    /// build's output), and that one row would fail every sample; `json` is no way out, its
    /// functions unescape too. Swapping one six-character escape for another keeps the JSON valid
    /// wherever the match falls (after an escaped backslash it is plain text either way), and
    /// only strings change, never the keys read here. `column` is this file's constant.
    private static func parsed(_ column: String) -> String { "replace(\(column), E'\\\\u0000', E'\\\\u0001')::jsonb" }

    /// `phases` selects the key columns and a `phase` object; anything but an object, or a name that
    /// is no phase, is refused naming the environment (the names become a metric's labels). Text
    /// that is not JSON at all fails the query, as it fails decoding.
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
                guard let name, EnvironmentPhase.names.contains(name) else {
                    throw PostgresStateError(operation: operation, location: pool.location.description,
                                             reason: .undecodable(what: "the \(what) of \(key)", detail: "not a phase object"))
                }
                names[key] = name
            }
            return names
        }
    }
}
