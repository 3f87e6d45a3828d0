import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Orchestrator
import PrenvApp
import Testing

/// What stops a command before it starts, as the composition root words it (the commands print
/// these lines as they are).
@Suite struct CompositionTests {
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-composition-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func anEmptyBlueprintFolderStopsServe() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = #expect(throws: StartupError.self) { try Composition.loadBlueprints(directory: directory.path) }
        #expect(error?.lines == ["error: no blueprints (*.yaml) in \(directory.path); set PRENV_BLUEPRINTS or --blueprints"])
    }

    @Test func aBrokenBlueprintIsReportedCompilerStyleBeforeTheError() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "name: broken\non: {repositories: [\"acme/*\"]}\nresources:\n  x:\n    type: aws/nope\n".write(
            to: directory.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: StartupError.self) { try Composition.loadBlueprints(directory: directory.path) }
        #expect(error?.diagnostics.first?.contains("broken.yaml:5:") == true, "\(String(describing: error))")
        #expect(error?.lines.last == "error: fix the blueprints above; prenv serve does not start with a broken blueprint")
    }

    @Test func aStateURLOfNeitherStoreIsRefusedNamingIt() {
        let error = #expect(throws: StartupError.self) { try Composition.stateLocation(url: "mysql://u:pw@db/prenv", logger: Logger(label: "test")) }
        #expect(error?.message.hasPrefix("invalid --state 'mysql://u:<redacted>@db/prenv': unknown scheme 'mysql'") == true, "\(String(describing: error))")
    }

    @Test func theServerDoesNotStartWhenSavedWorkCannotBeResumed() async throws {
        let fixture = try ServeFixture(workers: UnreadableStateStore())
        let error = await #expect(throws: StartupError.self) {
            try await fixture.application().test(.router) { client in
                _ = try await client.execute(uri: "/healthz", method: .get)
            }
        }
        #expect(error?.message == "cannot resume the work saved in the state store: disk I/O error at /var/lib/prenv/state.sqlite")
    }
}
