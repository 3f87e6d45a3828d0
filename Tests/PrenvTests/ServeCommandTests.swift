import HTTPTransport
import Foundation
import LocalAWSSupport
import TestServices
import Testing

/// `prenv serve` start-up as a user meets it: what stops it, the config file, the no-token mode,
/// and an orderly SIGTERM.
@Suite struct ServeCommandTests {
    static var blueprints: String { ValidateCommandTests.blueprints.path }
    /// A state of the test's own for servers expected to stop before opening one: should one get that
    /// far, it writes (and locks) under the temporary folder, never `.prenv/` of the working directory.
    static var throwawayState: [String] { ["--state", "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("prenv-serve-\(UUID().uuidString)/state.sqlite").path] }

    @Test func refusesToStartWithoutAWebhookSecret() async throws {
        let result = try await PrenvBinary.run(["serve", "--port", "0", "--blueprints", Self.blueprints] + Self.throwawayState,
                                               environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(result.status == 1)
        #expect(result.output.contains("no webhook secret: set PRENV_WEBHOOK_SECRET"), "\(result.output)")
    }

    @Test func refusesANonPositiveTeardownAlertThreshold() async throws {
        for value in ["0", "-5", "nan"] {
            let result = try await PrenvBinary.run(["serve", "--port", "0", "--blueprints", Self.blueprints, "--teardown-alert-after=\(value)"] + Self.throwawayState,
                                                   environment: PrenvBinary.isolatedEnvironment(["PRENV_WEBHOOK_SECRET": "s"]))
            #expect(result.status != 0)
            #expect(result.output.contains("--teardown-alert-after must be a positive number of seconds"), "\(value): \(result.output)")
        }
    }

    @Test func refusesToStartWithABrokenBlueprintNamingFileAndLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-serve-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "name: broken\non: {repositories: [\"acme/*\"]}\nresources:\n  x:\n    type: aws/nope\n".write(
            to: directory.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let result = try await PrenvBinary.run(["serve", "--port", "0", "--blueprints", directory.path] + Self.throwawayState,
                                               environment: PrenvBinary.isolatedEnvironment(["PRENV_WEBHOOK_SECRET": "s"]))
        #expect(result.status == 1)
        #expect(result.output.contains("broken.yaml:5:"), "\(result.output)")
        #expect(result.output.contains("does not start with a broken blueprint"), "\(result.output)")
    }

    @Test func readsTheConfigFileAndFlagsWin() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-serve-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("empty"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("prenv.yaml")
        try "webhook_secret: from-the-file\nblueprints: \(Self.blueprints)\n".write(to: config, atomically: true, encoding: .utf8)
        // The secret comes from the file (no secret error); the --blueprints flag beats the file's folder.
        let result = try await PrenvBinary.run(
            ["serve", "--port", "0", "--config", config.path, "--blueprints", directory.appendingPathComponent("empty").path] + Self.throwawayState,
            environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(result.status == 1)
        #expect(result.output.contains("no blueprints (*.yaml) in \(directory.appendingPathComponent("empty").path)"), "\(result.output)")
        #expect(!result.output.contains("from-the-file"), "the secret is never printed")
    }

    @Test func withoutATokenStatusesGoToTheLogAndSIGTERMStopsCleanly() async throws {
        try await LocalAWS.requireRunning()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-serve-notoken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("serve.log")
        let server = try await ServiceProcess(
            executable: PrenvBinary.path,
            arguments: ["serve", "--port", "0", "--blueprints", Self.blueprints, "--state", "sqlite:\(directory.path)/state.sqlite"],
            environment: PrenvBinary.isolatedEnvironment([
                "PRENV_WEBHOOK_SECRET": "very-secret-value", "AWS_ACCESS_KEY_ID": LocalAWS.uniqueAccessKey(),
                "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": LocalAWS.region, "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString,
            ]),
            hint: "build prenv first", output: log)
        let health = try await CurlTransport().send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("healthz")))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self) == #"{"status":"ok"}"#)
        server.stop()
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.components(separatedBy: "no GITHUB_TOKEN: commit statuses are written to this log").count == 2, "warned once:\n\(text)")
        #expect(text.contains("shutting down"), "\(text)")
        #expect(!text.contains("very-secret-value"))
    }
}
