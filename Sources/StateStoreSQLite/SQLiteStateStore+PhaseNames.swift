import Orchestrator

/// Phase names read by SQLite's JSON functions rather than by decoding records in Swift: the
/// `prenv_environments` gauge wants one word per environment, and decoding every environment and
/// worker record for it allocated tens of megabytes at 10,000 environments, freed a moment later
/// between the long-lived blocks of environments being provisioned (fragmentation that stays
/// resident; BENCHMARKS.md, "Memory per live environment").
///
/// A phase is stored as Swift encodes `EnvironmentPhase`: an object whose one key is the case
/// (`{"ready":{"sha":"…"}}`, `{"idle":{}}`). The store contract suite holds these answers to
/// `EnvironmentPhase.name` for every case, so a change of encoding fails there, not in a gauge. A
/// phase that is not an object, or names no phase, is refused as decoding would refuse it: the
/// names become a metric's labels, which never carry text from the database unchecked.
extension SQLiteStateStore {
    public func phaseNames() async throws -> [EnvironmentKey: String] {
        try connection.transaction("phaseNames", write: false) {
            try names(
                """
                SELECT repository, pr, blueprint,
                       CASE WHEN json_type(phase_json) = 'object' THEN (SELECT key FROM json_each(phase_json) LIMIT 1) END
                FROM environments
                """,
                what: "environment phase", operation: "phaseNames")
        }
    }

    public func workerPhaseNames() async throws -> [EnvironmentKey: String] {
        try connection.transaction("workerPhaseNames", write: false) {
            try names(
                """
                SELECT repository, pr, blueprint,
                       CASE WHEN json_type(record_json, '$.machine.phase') = 'object'
                            THEN (SELECT key FROM json_each(record_json, '$.machine.phase') LIMIT 1) END
                FROM workers
                """,
                what: "worker record's phase", operation: "workerPhaseNames")
        }
    }

    private func names(_ sql: String, what: String, operation: String) throws -> [EnvironmentKey: String] {
        var names: [EnvironmentKey: String] = [:]
        for (key, name) in try connection.query(sql, operation: operation, map: { (Self.key($0), $0.isNull(3) ? nil : $0.text(3)) }) {
            guard let name, EnvironmentPhase.names.contains(name) else {
                throw SQLiteSchemaError.undecodable(path: path, what: "the \(what) of \(key)", reason: "not a phase object")
            }
            names[key] = name
        }
        return names
    }
}
