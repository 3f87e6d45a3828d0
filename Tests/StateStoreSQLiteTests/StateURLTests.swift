import StateStoreSQLite
import Testing

/// `--state` values as the SQLite store reads them: `sqlite:PATH`, a clear refusal for anything else
/// (`postgres://` is dispatched before this, by prenv's `StateLocation`; `PostgresStateURLTests`).
@Suite struct StateURLTests {
    let cwd = "/srv/work"

    @Test(arguments: [
        (nil, "/srv/work/.prenv/state.sqlite"),
        ("sqlite:", "/srv/work/.prenv/state.sqlite"),
        ("sqlite:state.db", "/srv/work/state.db"),
        ("sqlite:./data/../state.db", "/srv/work/state.db"),
        ("sqlite:/var/lib/prenv/state.sqlite", "/var/lib/prenv/state.sqlite"),
        ("sqlite:///var/lib/prenv/state.sqlite", "/var/lib/prenv/state.sqlite"),
        ("sqlite://rel/state.sqlite", "/srv/work/rel/state.sqlite"),
        ("SQLite:x.db", "/srv/work/x.db"),
        ("sqlite::memory:", ":memory:"),
    ] as [(String?, String)])
    func sqlitePaths(url: String?, expected: String) throws {
        #expect(try SQLiteStateStore.parse(url: url, workingDirectory: cwd) == expected)
    }

    @Test(arguments: [
        ("postgres://db/prenv", "invalid --state 'postgres://db/prenv': a PostgreSQL URL is not a SQLite state; open it as PostgreSQL (StateLocation)"),
        ("postgresql://db/prenv", "invalid --state 'postgresql://db/prenv': a PostgreSQL URL is not a SQLite state; open it as PostgreSQL (StateLocation)"),
        ("mysql://db", "invalid --state 'mysql://db': unknown scheme 'mysql'; use sqlite:PATH (e.g. sqlite:.prenv/state.sqlite) or postgres://USER@HOST/DB"),
        ("state.db", "invalid --state 'state.db': no scheme; write sqlite:state.db"),
        ("./a:b.db", "invalid --state './a:b.db': no scheme; write sqlite:./a:b.db"),
    ])
    func otherSchemesAreRefused(url: String, message: String) {
        let error = #expect(throws: StateURLError.self) { try SQLiteStateStore.parse(url: url, workingDirectory: cwd) }
        #expect(error?.description == message)
    }
}
