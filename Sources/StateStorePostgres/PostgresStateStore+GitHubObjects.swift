import Orchestrator
import PostgresNIO

/// GitHub object ids (`StoredDeployment`, `StoredComment`): `prenv_github_deployments` and
/// `prenv_github_comments`. Saves are fenced like every write for an environment.
extension PostgresStateStore {
    public func deployment(_ key: EnvironmentKey, sha: String) async throws -> StoredDeployment? {
        try await pool.read("deployment") { connection in
            let rows = try await connection.query(
                """
                SELECT sha, deployment_id FROM prenv_github_deployments
                WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint) AND sha = \(sha)
                """, logger: pool.logger)
            var found: StoredDeployment?
            for try await (sha, id) in rows.decode((String, Int64).self) { found = StoredDeployment(sha: sha, id: id) }
            return found
        }
    }

    /// Upsert with the next `saved` number, then drop all but the latest `keptPerEnvironment`, in one
    /// transaction. Two saves for one environment at once may draw the same `saved`; the environment
    /// row is not involved, so they are ordered by a transaction-scoped advisory lock on the key's id.
    public func saveDeployment(_ key: EnvironmentKey, _ deployment: StoredDeployment) async throws {
        try await pool.transaction("saveDeployment", fencedFor: key.leaseKey) { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.deploymentLockClass), hashtext(\(key.id)))", logger: pool.logger)
            let rows = try await connection.query(
                """
                SELECT coalesce(max(saved), 0) + 1 FROM prenv_github_deployments
                WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint)
                """, logger: pool.logger)
            var next: Int64 = 1
            for try await value in rows.decode(Int64.self) { next = value }
            try await connection.query(
                """
                INSERT INTO prenv_github_deployments (repository, pr, blueprint, sha, deployment_id, saved)
                VALUES (\(key.repository), \(key.pr), \(key.blueprint), \(deployment.sha), \(deployment.id), \(next))
                ON CONFLICT (repository, pr, blueprint, sha) DO UPDATE SET deployment_id = excluded.deployment_id, saved = excluded.saved
                """, logger: pool.logger)
            let oldest = next - Int64(StoredDeployment.keptPerEnvironment)
            try await connection.query(
                """
                DELETE FROM prenv_github_deployments
                WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint) AND saved <= \(oldest)
                """, logger: pool.logger)
        }
    }

    public func latestDeployment(_ key: EnvironmentKey) async throws -> StoredDeployment? {
        try await pool.read("latestDeployment") { connection in
            let rows = try await connection.query(
                """
                SELECT sha, deployment_id FROM prenv_github_deployments
                WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint)
                ORDER BY saved DESC LIMIT 1
                """, logger: pool.logger)
            var found: StoredDeployment?
            for try await (sha, id) in rows.decode((String, Int64).self) { found = StoredDeployment(sha: sha, id: id) }
            return found
        }
    }

    public func prComment(_ key: EnvironmentKey) async throws -> StoredComment? {
        try await pool.read("prComment") { connection in
            let rows = try await connection.query(
                """
                SELECT comment_id, author FROM prenv_github_comments
                WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint)
                """, logger: pool.logger)
            var found: StoredComment?
            for try await (id, author) in rows.decode((Int64, String?).self) { found = StoredComment(id: id, author: author) }
            return found
        }
    }

    public func savePRComment(_ key: EnvironmentKey, _ comment: StoredComment?) async throws {
        try await pool.transaction("savePRComment", fencedFor: key.leaseKey) { connection in
            guard let comment else {
                try await connection.query(
                    """
                    DELETE FROM prenv_github_comments
                    WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint)
                    """, logger: pool.logger)
                return
            }
            try await connection.query(
                """
                INSERT INTO prenv_github_comments (repository, pr, blueprint, comment_id, author)
                VALUES (\(key.repository), \(key.pr), \(key.blueprint), \(comment.id), \(comment.author))
                ON CONFLICT (repository, pr, blueprint) DO UPDATE SET comment_id = excluded.comment_id, author = excluded.author
                """, logger: pool.logger)
        }
    }

    /// The first `int4` of the two-key advisory locks `saveDeployment` takes ("dplo" in ASCII); the
    /// two-key form is a key space apart from the one-`bigint` locks of migrations and leadership.
    static let deploymentLockClass: Int32 = 0x6470_6C6F
}
