import StateStoreSQLite
import Testing

/// A `--state` URL is named in start-up errors and the settings log line: its password must not be.
@Suite struct StateURLRedactionTests {
    @Test(arguments: [
        ("postgres://prenv:s3cr3t@db.internal:5432/prenv?sslmode=require", "postgres://prenv:<redacted>@db.internal:5432/prenv?sslmode=require"),
        ("postgresql://u:p%40ss:w@h/db", "postgresql://u:<redacted>@h/db"),
        ("postgres://prenv@db/prenv", "postgres://prenv@db/prenv"),
        ("sqlite:.prenv/state.sqlite", "sqlite:.prenv/state.sqlite"),
        ("sqlite:///var/lib/prenv/a@b:c.sqlite", "sqlite:///var/lib/prenv/a@b:c.sqlite"),
        // Mistyped values reach errors too: over-redacted rather than shown.
        ("postgress://u:p/w@h/db", "postgress://u:<redacted>@h/db"),
        ("pg://u:pa#ss@h/db", "pg://u:<redacted>@h/db"),
        ("prenv:hunter2@db/prenv", "prenv:<redacted>@db/prenv"),
        ("postgress://prenv:s3cr3t/db", "postgress://prenv:<redacted>/db"),
        ("u:s3cr3t@h/db?x=http://y", "u:<redacted>@h/db?x=http://y"),
    ])
    func passwordsAreReplaced(_ url: String, _ shown: String) {
        #expect(StateURLError.redacted(url) == shown)
    }

    @Test func theParseErrorNeverCarriesThePassword() throws {
        #expect(throws: StateURLError.self) { try SQLiteStateStore.parse(url: "postgres://prenv:s3cr3t@db/prenv", workingDirectory: "/tmp") }
        do {
            _ = try SQLiteStateStore.parse(url: "postgres://prenv:s3cr3t@db/prenv", workingDirectory: "/tmp")
        } catch {
            #expect(!"\(error)".contains("s3cr3t"), "\(error)")
        }
    }
}
