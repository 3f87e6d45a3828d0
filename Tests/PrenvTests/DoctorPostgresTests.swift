import Foundation
import TestServices
import Testing

/// `prenv doctor`'s state line and the state-reading commands (`ls`, `gc`) on PostgreSQL, run as
/// processes: where (redacted), which schema version, and refusals that name the location and
/// never the password. The AWS checks fail here (no AWS configuration); only the state is read.
@Suite struct DoctorPostgresTests {
    /// The `state` line of doctor's report.
    static func stateLine(_ output: String) -> String {
        output.split(separator: "\n").first { $0.hasPrefix("  state ") }.map(String.init) ?? "(no state line)\n\(output)"
    }

    static func doctor(state: String, environment: [String: String] = [:]) async throws -> PrenvBinary.Result {
        try await PrenvBinary.run(["doctor", "--timeout", "3", "--state", state], environment: PrenvBinary.isolatedEnvironment(environment))
    }

    static func redacted(_ url: String) throws -> String {
        let components = try #require(URLComponents(string: url))
        return "postgres://prenv@127.0.0.1:\(try #require(components.port))\(components.path)?sslmode=disable"
    }

    @Test func reportsNoSchemaThenTheCurrentVersionWithoutChangingAnything() async throws {
        let url = try await ServePostgresEndToEndTests.sharedDatabase("doctor")
        let password = try ServePostgresEndToEndTests.password(of: url)
        let shown = try Self.redacted(url)

        let fresh = try await Self.doctor(state: url)
        #expect(Self.stateLine(fresh.output) == "  state          ok    \(shown): connected; no schema yet (prenv serve creates it)", "\(fresh.output)")
        // Doctor reads only: still no table.
        #expect(try await PostgresServer.psql("SELECT to_regclass('prenv_schema') IS NULL", on: url) == "t")

        // gc does not take a database prenv never used for a state that lost its environments.
        let gc = try await PrenvBinary.run(["gc", "--state", url], environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(gc.status == 1, "\(gc.output)")
        #expect(gc.output.contains("error: no prenv state in \(shown) (no schema yet): prenv gc calls everything the state does not hold an orphan"),
                "\(gc.output)")

        // `ls` opens (and so migrates) the state: an empty one.
        let list = try await PrenvBinary.run(["ls", "--state", url], environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(list.status == 0 && list.output.contains("no environments"), "\(list.output)")
        let version = try await PostgresServer.psql("SELECT max(version) FROM prenv_schema", on: url)
        let current = try await Self.doctor(state: url)
        #expect(Self.stateLine(current.output) == "  state          ok    \(shown): connected; schema version \(version) (current)", "\(current.output)")

        for output in [fresh.output, gc.output, list.output, current.output] {
            #expect(!output.contains(password), "the password is in the output:\n\(output)")
        }
    }

    @Test func aNewerSchemaFailsDoctorAndStopsTheCommands() async throws {
        let url = try await ServePostgresEndToEndTests.sharedDatabase("doctor_newer")
        let shown = try Self.redacted(url)
        let list = try await PrenvBinary.run(["ls", "--state", url], environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(list.status == 0, "\(list.output)")
        let known = try await PostgresServer.psql("SELECT max(version) FROM prenv_schema", on: url)
        try await PostgresServer.psql("INSERT INTO prenv_schema (version, name, applied_at) VALUES (999, 'from the future', now())", on: url)

        let doctor = try await Self.doctor(state: url)
        #expect(doctor.status == 1)
        #expect(Self.stateLine(doctor.output)
            == "  state          fail  \(shown): schema version 999 is newer than this prenv knows (\(known)): upgrade prenv", "\(doctor.output)")
        #expect(doctor.output.contains("check(s) failed:") && doctor.output.contains("state"), "\(doctor.output)")

        let refused = try await PrenvBinary.run(["ls", "--state", url], environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("error: cannot open state store \(shown): ") && refused.output.contains("999"), "\(refused.output)")
    }

    @Test func anUnreachableDatabaseFailsNamingTheLocationNotThePassword() async throws {
        let server = try await PostgresServer()
        defer { server.remove() }
        try await server.stop()
        let shown = try Self.redacted(server.url)
        let doctor = try await Self.doctor(state: server.url)
        #expect(doctor.status == 1)
        let line = Self.stateLine(doctor.output)
        #expect(line.hasPrefix("  state          fail  PostgreSQL is not reachable at \(shown)"), "\(doctor.output)")
        #expect(!doctor.output.contains(server.password), "\(doctor.output)")

        // The password from PGPASSWORD, and a bad URL, alike.
        let bare = shown.replacingOccurrences(of: "?sslmode=disable", with: "")
        let fromVariable = try await Self.doctor(state: bare, environment: ["PGPASSWORD": server.password])
        #expect(Self.stateLine(fromVariable.output).contains("not reachable at \(shown)"), "\(fromVariable.output)")
        #expect(!fromVariable.output.contains(server.password), "\(fromVariable.output)")
        let prefer = try await Self.doctor(state: server.url + "&sslmode=prefer")
        #expect(Self.stateLine(prefer.output).contains("sslmode"), "\(prefer.output)")
        #expect(!prefer.output.contains(server.password), "\(prefer.output)")
    }
}
