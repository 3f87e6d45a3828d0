import Orchestrator

/// GitHub object ids (`StoredDeployment`, `StoredComment`), migration 6's tables.
extension SQLiteStateStore {
    public func deployment(_ key: EnvironmentKey, sha: String) throws -> StoredDeployment? {
        try connection.transaction("deployment", write: false) {
            try connection.query(
                "SELECT sha, deployment_id FROM github_deployments WHERE repository = ? AND pr = ? AND blueprint = ? AND sha = ?",
                Self.values(key) + [.text(sha)], operation: "deployment"
            ) { StoredDeployment(sha: $0.text(0), id: $0.integer(1)) }.first
        }
    }

    /// Upsert with the next `saved` number, then drop all but the latest `keptPerEnvironment`, in one transaction.
    public func saveDeployment(_ key: EnvironmentKey, _ deployment: StoredDeployment) throws {
        try connection.transaction("saveDeployment", write: true) {
            let next = try connection.query(
                "SELECT COALESCE(MAX(saved), 0) + 1 FROM github_deployments WHERE repository = ? AND pr = ? AND blueprint = ?",
                Self.values(key), operation: "saveDeployment") { $0.integer(0) }.first ?? 1
            try connection.run(
                """
                INSERT INTO github_deployments (repository, pr, blueprint, sha, deployment_id, saved) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (repository, pr, blueprint, sha) DO UPDATE SET deployment_id = excluded.deployment_id, saved = excluded.saved
                """,
                Self.values(key) + [.text(deployment.sha), .integer(deployment.id), .integer(next)], operation: "saveDeployment")
            try connection.run(
                "DELETE FROM github_deployments WHERE repository = ? AND pr = ? AND blueprint = ? AND saved <= ?",
                Self.values(key) + [.integer(next - Int64(StoredDeployment.keptPerEnvironment))], operation: "saveDeployment")
        }
    }

    public func latestDeployment(_ key: EnvironmentKey) throws -> StoredDeployment? {
        try connection.transaction("latestDeployment", write: false) {
            try connection.query(
                """
                SELECT sha, deployment_id FROM github_deployments WHERE repository = ? AND pr = ? AND blueprint = ?
                ORDER BY saved DESC LIMIT 1
                """,
                Self.values(key), operation: "latestDeployment"
            ) { StoredDeployment(sha: $0.text(0), id: $0.integer(1)) }.first
        }
    }

    public func prComment(_ key: EnvironmentKey) throws -> StoredComment? {
        try connection.transaction("prComment", write: false) {
            try connection.query(
                "SELECT comment_id, author FROM github_comments WHERE repository = ? AND pr = ? AND blueprint = ?",
                Self.values(key), operation: "prComment"
            ) { StoredComment(id: $0.integer(0), author: $0.isNull(1) ? nil : $0.text(1)) }.first
        }
    }

    public func savePRComment(_ key: EnvironmentKey, _ comment: StoredComment?) throws {
        try connection.transaction("savePRComment", write: true) {
            guard let comment else {
                try connection.run("DELETE FROM github_comments WHERE repository = ? AND pr = ? AND blueprint = ?",
                                   Self.values(key), operation: "savePRComment")
                return
            }
            try connection.run(
                """
                INSERT INTO github_comments (repository, pr, blueprint, comment_id, author) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (repository, pr, blueprint) DO UPDATE SET comment_id = excluded.comment_id, author = excluded.author
                """,
                Self.values(key) + [.integer(comment.id), comment.author.map(SQLiteValue.text) ?? .null], operation: "savePRComment")
        }
    }
}
