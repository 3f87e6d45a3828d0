import Foundation

/// The throwaway server `infra/postgres/with-postgres` started for this test run.
enum PostgresTestServer {
    /// `PRENV_TEST_POSTGRES_URL`; a test that needs PostgreSQL fails (never skips) without it.
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["PRENV_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw Missing()
        }
        return url
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "PRENV_TEST_POSTGRES_URL is not set: run the tests through `make test`, or wrap them in infra/postgres/with-postgres DIR -- swift test"
        }
    }
}
