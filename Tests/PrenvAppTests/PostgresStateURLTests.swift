import Foundation
import PrenvApp
import StateStorePostgres
import Testing

/// `--state postgres://…`: what is read from it, what is refused (hostile input included), and that
/// the password never shows in an error, a description or a warning.
@Suite struct PostgresStateURLTests {
    static func location(_ url: String, _ environment: [String: String] = [:]) throws -> PostgresLocation {
        try PostgresLocation.parse(url, environment: environment)
    }

    struct Expected: Sendable, CustomTestStringConvertible {
        var url: String
        var host: String
        var port = 5432
        var user = "prenv"
        var password: String? = nil
        var database = "prenv"
        var tls: PostgresLocation.TLSMode
        var testDescription: String { url }
    }

    @Test(arguments: [
        Expected(url: "postgres://prenv:s3cr3t@db.internal/prenv", host: "db.internal", password: "s3cr3t", tls: .require),
        Expected(url: "postgresql://prenv@127.0.0.1:6543/prenv", host: "127.0.0.1", port: 6543, tls: .disable),
        Expected(url: "postgres://prenv@127.9.8.7/prenv", host: "127.9.8.7", tls: .disable),
        Expected(url: "postgres://prenv@localhost/prenv", host: "localhost", tls: .disable),
        Expected(url: "postgres://prenv@[::1]:5433/prenv", host: "::1", port: 5433, tls: .disable),
        Expected(url: "postgres://prenv@[2001:db8::1]/prenv", host: "2001:db8::1", tls: .require),
        Expected(url: "postgres://prenv@128.0.0.1/prenv", host: "128.0.0.1", tls: .require),
        Expected(url: "postgres://prenv@127.0.0.1.evil.example/prenv", host: "127.0.0.1.evil.example", tls: .require),
        Expected(url: "POSTGRES://prenv@DB.Internal:1/prenv?SSLMODE=Verify-Full", host: "db.internal", port: 1, tls: .verifyFull),
        Expected(url: "postgres://prenv@localhost:65535/prenv?sslmode=require", host: "localhost", port: 65535, tls: .require),
        Expected(url: "postgres://prenv@db/prenv?sslmode=disable", host: "db", tls: .disable),
        Expected(url: "postgres://u%40corp:p%40ss%3Aw%2Frd@h/my%20db", host: "h", user: "u@corp", password: "p@ss:w/rd", database: "my db", tls: .require),
        // A raw `@` or `:` in the password: the user info ends at the last `@`, the user at the first `:`.
        Expected(url: "postgres://prenv:p@ss:w@db/prenv", host: "db", password: "p@ss:w", tls: .require),
        Expected(url: "postgres://prenv:pa/ss@db/prenv", host: "db", password: "pa/ss", tls: .require),
        Expected(url: "postgres://prenv:@db/prenv", host: "db", tls: .require),
        Expected(url: "postgres://prenv@db/pr%C3%A9nv", host: "db", database: "prénv", tls: .require),
    ])
    func readsEveryPart(_ expected: Expected) throws {
        let location = try Self.location(expected.url)
        #expect(location.host == expected.host)
        #expect(location.port == expected.port)
        #expect(location.user == expected.user)
        #expect(location.password == expected.password)
        #expect(location.database == expected.database)
        #expect(location.tls == expected.tls)
        if let password = expected.password { #expect(!location.description.contains(password)) }
    }

    @Test func theDescriptionNamesWhereWithoutThePassword() throws {
        #expect(try Self.location("postgres://prenv:s3cr3t@[::1]:5433/prenv").description == "postgres://prenv@[::1]:5433/prenv?sslmode=disable")
        #expect(try Self.location("postgresql://app:s3cr3t@DB.example.com/state").description
            == "postgres://app@db.example.com:5432/state?sslmode=require")
    }

    @Test func reflectionShowsNoPasswordEither() throws {
        let location = try Self.location("postgres://prenv:s3cr3t@db/prenv")
        var dumped = ""
        dump(location, to: &dumped)
        for text in [dumped, String(reflecting: location), "\(location)", "\([location])"] {
            #expect(!text.contains("s3cr3t") && text.contains("postgres://prenv@db:5432/prenv"), "\(text)")
        }
    }

    @Test(arguments: [
        ("postgres://db/prenv", "no user"),
        ("postgres://:s3cr3t@db/prenv", "no user"),
        ("postgres://prenv:s3cr3t/prenv", "no user"),
        ("postgres://prenv@db", "no database"),
        ("postgres://prenv@db/", "no database"),
        ("postgres://prenv@db/a/b", "contains '/'"),
        ("postgres://prenv@/prenv", "no host"),
        ("postgres:///prenv", "no user"),
        ("postgres://prenv@db:0/prenv", "the port must be a number from 1 to 65535"),
        ("postgres://prenv@db:65536/prenv", "the port must be a number from 1 to 65535"),
        ("postgres://prenv@db:99999999999999999999999/prenv", "the port must be a number from 1 to 65535"),
        ("postgres://prenv@db:-1/prenv", "the port must be a number from 1 to 65535"),
        ("postgres://prenv@db:/prenv", "the port must be a number from 1 to 65535"),
        ("postgres://prenv@db:5432x/prenv", "the port must be a number from 1 to 65535"),
        ("postgres://prenv@db:٣٤/prenv", "the port must be a number from 1 to 65535"),
        ("postgres://prenv@db1,db2/prenv", "several hosts"),
        ("postgres://prenv@[::1/prenv", "closing ']'"),
        ("postgres://prenv@[evil.example]/prenv", "not an IPv6 address"),
        ("postgres://prenv@[::1]x/prenv", "expected ':PORT'"),
        ("postgres://prenv@db%2Fsocket/prenv", "the host must be a name"),
        ("postgres://prenv@d b/prenv", "the host must be a name"),
        ("postgres://prenv@db/prenv?sslmode=prefer", "write sslmode=require (encrypted), sslmode=verify-full (encrypted, server verified) or sslmode=disable"),
        ("postgres://prenv@db/prenv?sslmode=allow", "may fall back to an unencrypted connection"),
        ("postgres://prenv@db/prenv?sslmode=verify-ca", "write sslmode=verify-full"),
        ("postgres://prenv@db/prenv?sslmode=", "sslmode must be disable, require or verify-full"),
        ("postgres://prenv@db/prenv?sslmode", "sslmode must be disable, require or verify-full"),
        ("postgres://prenv@db/prenv?sslmod=require", "unknown parameter 'sslmod'"),
        ("postgres://prenv@db/prenv?host=evil.example", "unknown parameter 'host'"),
        ("postgres://prenv@db/prenv?sslmode=require&host=evil.example", "unknown parameter 'host'"),
        ("postgres://prenv@db/prenv?sslmode=require%26host%3Devil", "sslmode must be disable, require or verify-full"),
        ("postgres://prenv@db/prenv?hostaddr=10.0.0.1", "unknown parameter 'hostaddr'"),
        ("postgres://prenv@db/prenv?sslmode=disable&sslmode=require", "sslmode is given twice"),
        ("postgres://prenv@db/prenv#frag", "a fragment"),
        ("postgres://prenv:pw%zz@db/prenv", "the password has a '%'"),
        ("postgres://pre\nnv@db/prenv", "control character"),
        ("postgres://prenv@db/pre\u{1b}[31mnv", "control character"),
        ("postgres://pre%0Anv@db/prenv", "the user contains a control character"),
        ("postgres://prenv@db/pre%00nv", "the database contains a control character"),
        ("postgres://prenv:a%00b@db/prenv", "the password contains a NUL character"),
        ("mysql://prenv@db/prenv", "unknown scheme 'mysql'"),
        ("postgres:prenv@db/prenv", "not a postgres://USER@HOST/DB URL"),
    ])
    func refusesWithAReason(_ url: String, _ reason: String) {
        let error = #expect(throws: PostgresURLError.self) { try Self.location(url) }
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        // Whatever was pasted, the message is one line of printable text.
        #expect(error?.description.contains(where: { $0.isNewline || $0 == "\u{1b}" }) == false, "\(String(describing: error))")
    }

    @Test(arguments: [
        "postgres://prenv:s3cr3t@db:99999/prenv",
        "postgres://prenv:s3cr3t@db/prenv?sslmode=prefer",
        "postgres://prenv:s3cr3t/prenv",
        "postgres://prenv:s3/cr3t@db:0/prenv",
        "postgres://prenv:s3?cr3t@db/prenv",
        "postgres://prenv:s3#cr3t@db/prenv",
        "postgres://prenv:s3@cr3t@db/prenv?x=1",
        "postgres://prenv@db/prenv?password=s3cr3t",
        "postgres://prenv@db/prenv?sslmode=require&password=s3cr3t",
        "postgres://prenv:s3cr3t@db1,db2/prenv",
        "postgres://prenv:s3cr3t\n@db/prenv",
        "postgres:/prenv:s3cr3t@db/prenv",
        "postgresql:prenv:s3cr3t@db/prenv",
        "postgres:u:s3cr3t@h/db?x=http://y",
        "postgres://prenv@db/prenv?password%3Ds3cr3t",
    ])
    func theErrorNeverCarriesThePassword(_ url: String) {
        let error = #expect(throws: PostgresURLError.self) { try Self.location(url) }
        let text = String(describing: error)
        #expect(!text.contains("s3cr3t") && !text.contains("cr3t"), "\(text)")
        let startup = #expect(throws: StartupError.self) { try StateLocation.parse(url, environment: [:]) }
        #expect(startup.map { !"\($0)".contains("cr3t") } == true, "\(String(describing: startup))")
    }

    @Test(arguments: [
        ("postgres://prenv:s3cr3t@db.internal:5432/prenv?sslmode=require", "postgres://prenv:<redacted>@db.internal:5432/prenv?sslmode=require"),
        ("postgres://prenv:pa/ss?w#d@db/prenv", "postgres://prenv:<redacted>@db/prenv"),
        ("postgres://prenv:s3cr3t/prenv", "postgres://prenv:<redacted>/prenv"),
        ("postgres://prenv@db:5432/prenv", "postgres://prenv@db:5432/prenv"),
        ("postgres://prenv@[::1]:5432/prenv", "postgres://prenv@[::1]:5432/prenv"),
        ("postgres://prenv@db/prenv?sslmode=require&password=x&host", "postgres://prenv@db/prenv?sslmode=require&password=<redacted>&host"),
        ("postgres://pre\u{7}nv@db/prenv", "postgres://pre\\u{7}nv@db/prenv"),
    ])
    func redactedShowsNoSecret(_ url: String, _ shown: String) {
        #expect(PostgresLocation.redacted(url) == shown)
    }

    @Test func aHugeValueIsCutInErrors() {
        let url = "postgres://prenv@db/" + String(repeating: "x", count: 10_000) + "?sslmode=prefer"
        let error = #expect(throws: PostgresURLError.self) { try Self.location(url) }
        #expect((error?.url.count ?? .max) <= 201, "\(String(describing: error?.url.count))")
    }
}

/// Where the password comes from: the URL, else `PGPASSWORD`, else the first line of
/// `PRENV_STATE_PASSWORD_FILE`; a file that is not a password file is refused without quoting it.
@Suite struct PostgresPasswordSourceTests {
    let url = "postgres://prenv@db.internal/prenv"

    static func file(_ contents: String, mode: Int = 0o600) throws -> (path: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-pgpass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("password").path
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return (path, directory)
    }

    @Test func theURLWinsOverPGPASSWORDWhichWinsOverTheFile() throws {
        let file = try Self.file("from-file\n")
        defer { try? FileManager.default.removeItem(at: file.directory) }
        let all = ["PGPASSWORD": "from-variable", "PRENV_STATE_PASSWORD_FILE": file.path]
        #expect(try PostgresLocation.parse("postgres://prenv:from-url@db/prenv", environment: all).password == "from-url")
        #expect(try PostgresLocation.parse(url, environment: all).password == "from-variable")
        #expect(try PostgresLocation.parse(url, environment: ["PGPASSWORD": "", "PRENV_STATE_PASSWORD_FILE": file.path]).password == "from-file")
        #expect(try PostgresLocation.parse(url, environment: [:]).password == nil)
    }

    /// Kubernetes mounts a secret as a symbolic link into `..data/`: the link is followed.
    @Test func aLinkToTheFileIsFollowed() throws {
        let file = try Self.file("linked\n")
        defer { try? FileManager.default.removeItem(at: file.directory) }
        let link = file.directory.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file.path)
        #expect(try PostgresLocation.parse(url, environment: ["PRENV_STATE_PASSWORD_FILE": link]).password == "linked")
    }

    @Test(arguments: [("pw\n", "pw"), ("pw\r\nsecond line\n", "pw"), ("pw", "pw"), (" spaced pw \n", " spaced pw ")])
    func theFileGivesItsFirstLine(_ contents: String, _ password: String) throws {
        let file = try Self.file(contents)
        defer { try? FileManager.default.removeItem(at: file.directory) }
        var warnings: [String] = []
        let location = try PostgresLocation.parse(url, environment: ["PRENV_STATE_PASSWORD_FILE": file.path]) { warnings.append($0) }
        #expect(location.password == password)
        #expect(warnings.isEmpty, "\(warnings)")
    }

    @Test func aFileOthersMayReadWorksWithAWarningThatNamesItButNotThePassword() throws {
        let file = try Self.file("hunter2-secret\n", mode: 0o644)
        defer { try? FileManager.default.removeItem(at: file.directory) }
        var warnings: [String] = []
        let location = try PostgresLocation.parse(url, environment: ["PRENV_STATE_PASSWORD_FILE": file.path]) { warnings.append($0) }
        #expect(location.password == "hunter2-secret")
        #expect(warnings == ["PRENV_STATE_PASSWORD_FILE (\(file.path)) is readable by its group or others (mode 644): chmod 600 it"])
    }

    @Test func unusableFilesAreRefusedNamingTheVariableAndPathNeverTheContents() throws {
        let big = try Self.file(String(repeating: "hunter2-secret ", count: 400))
        let empty = try Self.file("\nhunter2-secret\n")
        defer {
            try? FileManager.default.removeItem(at: big.directory)
            try? FileManager.default.removeItem(at: empty.directory)
        }
        let cases: [(String, String)] = [
            ("/nonexistent/prenv-password", "cannot be read (missing, or not readable by this user)"),
            (big.directory.path, "is not a regular file"),
            (big.path, "is 6000 bytes, more than a password file's 4096 at most"),
            (empty.path, "has an empty first line"),
            ("/dev/zero", "is not a regular file"),
        ]
        for (path, problem) in cases {
            let error = #expect(throws: PostgresURLError.self) {
                try PostgresLocation.parse(url, environment: ["PRENV_STATE_PASSWORD_FILE": path])
            }
            let text = String(describing: error)
            #expect(text.contains("PRENV_STATE_PASSWORD_FILE (\(path)) \(problem)"), "\(text)")
            #expect(!text.contains("hunter2"), "\(text)")
        }
    }
}

/// `--state` is dispatched on its scheme in one place for every command.
@Suite struct StateLocationTests {
    @Test func sqliteAndPostgresAreTellApart() throws {
        #expect(try StateLocation.parse("sqlite:state.db", workingDirectory: "/srv") == .sqlite(path: "/srv/state.db"))
        #expect(try StateLocation.parse(nil, workingDirectory: "/srv") == .sqlite(path: "/srv/.prenv/state.sqlite"))
        let postgres = try StateLocation.parse("PostgreSQL://prenv@db/prenv", environment: ["PGPASSWORD": "pw"])
        #expect(postgres == .postgres(PostgresLocation(host: "db", user: "prenv", password: "pw", database: "prenv", tls: .require)))
        #expect(postgres.description == "postgres://prenv@db:5432/prenv?sslmode=require")
    }

    @Test func refusalsNameTheValueRedacted() {
        let error = #expect(throws: StartupError.self) { try StateLocation.parse("mysql://u:pw@db/x", workingDirectory: "/srv") }
        #expect(error?.message == "invalid --state 'mysql://u:<redacted>@db/x': unknown scheme 'mysql'; use sqlite:PATH (e.g. sqlite:.prenv/state.sqlite) or postgres://USER@HOST/DB")
        let postgres = #expect(throws: StartupError.self) { try StateLocation.parse("postgres://u:pw@db/x?sslmode=prefer") }
        #expect(postgres?.message.hasPrefix("invalid --state 'postgres://u:<redacted>@db/x?sslmode=prefer': sslmode=prefer may fall back") == true,
                "\(String(describing: postgres))")
    }
}
