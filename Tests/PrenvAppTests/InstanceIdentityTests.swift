import Foundation
import Orchestrator
import PrenvApp
import StateStoreSQLite
import Testing

/// `PRENV_INSTANCE`: taken when valid, refused with the variable's name when not; otherwise a random
/// id made once and kept in the state store, the same for every process on that state and different
/// for every other state, even at the same path on another machine.
@Suite struct InstanceIdentityTests {
    @Test func aValidValueIsTakenAsIs() async throws {
        for value in ["gc-a", "prod.eu-west-1", "team/a:b=c+d@e_f", String(repeating: "x", count: 64)] {
            let identity = try await InstanceIdentity.resolve(environment: ["PRENV_INSTANCE": value], store: InMemoryStateStore(),
                                                              stateURL: "sqlite:/var/lib/prenv/state.sqlite")
            #expect(identity.value == value)
            #expect(identity.source == .environment)
            #expect(identity.description == "prenv instance: \(value) (from PRENV_INSTANCE)")
        }
    }

    @Test func anInvalidValueIsRefusedNamingTheVariable() async {
        for value in [String(repeating: "x", count: 65), "has space", "tab\there", "new\nline", "ünicode", "semi;colon"] {
            var message = ""
            do {
                _ = try await InstanceIdentity.resolve(environment: ["PRENV_INSTANCE": value], store: InMemoryStateStore(), stateURL: "sqlite:/tmp/state.sqlite")
                Issue.record("accepted \(value.debugDescription)")
            } catch {
                message = error.lines.joined(separator: "\n")
            }
            #expect(message.contains("PRENV_INSTANCE"), "\(message)")
            #expect(!message.contains("\n"), "the value reached the message unescaped: \(message)")
        }
    }

    @Test func withoutTheVariableTheStateKeepsARandomID() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-instance-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.sqlite").path
        let first = try await InstanceIdentity.resolve(environment: [:], store: SQLiteStateStore(path: path), stateURL: "sqlite:\(path)")
        #expect(first.value.hasPrefix("prenv-") && first.value.count == 18)
        #expect(first.value.dropFirst(6).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(first.source == .stored(state: "sqlite:\(path)", created: true))
        #expect(first.description.contains("set PRENV_INSTANCE=\(first.value)"))
        // A restart (or up, down, gc) on the same file: the same id, blank variable counting as unset.
        let again = try await InstanceIdentity.resolve(environment: ["PRENV_INSTANCE": "  "], store: SQLiteStateStore(path: path), stateURL: "sqlite:\(path)")
        #expect(again.value == first.value && again.source == .stored(state: "sqlite:\(path)", created: false))
        // Another state at the same path (another machine, a lost file): another id, never a collision.
        try FileManager.default.removeItem(at: directory)
        let other = try await InstanceIdentity.resolve(environment: [:], store: SQLiteStateStore(path: path), stateURL: "sqlite:\(path)")
        #expect(other.value != first.value)
    }
}
