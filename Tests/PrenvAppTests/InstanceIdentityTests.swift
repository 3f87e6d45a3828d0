import Foundation
import PrenvApp
import Testing

/// `PRENV_INSTANCE`: taken when valid, refused with the variable's name when not, derived from the
/// state location otherwise (stable, and different for different state files).
@Suite struct InstanceIdentityTests {
    @Test func aValidValueIsTakenAsIs() throws {
        for value in ["gc-a", "prod.eu-west-1", "team/a:b=c+d@e_f", String(repeating: "x", count: 64)] {
            let identity = try InstanceIdentity.resolve(environment: ["PRENV_INSTANCE": value], stateURL: "sqlite:/var/lib/prenv/state.sqlite")
            #expect(identity.value == value)
            #expect(identity.source == .environment)
            #expect(identity.description == "prenv instance: \(value) (from PRENV_INSTANCE)")
        }
    }

    @Test func anInvalidValueIsRefusedNamingTheVariable() {
        for value in [String(repeating: "x", count: 65), "has space", "tab\there", "new\nline", "ünicode", "semi;colon"] {
            let error = #expect(throws: StartupError.self, "accepted \(value.debugDescription)") {
                try InstanceIdentity.resolve(environment: ["PRENV_INSTANCE": value], stateURL: "sqlite:/tmp/state.sqlite")
            }
            let message = error.map(\.lines).map { $0.joined(separator: "\n") } ?? ""
            #expect(message.contains("PRENV_INSTANCE"), "\(message)")
            #expect(!message.contains("\n"), "the value reached the message unescaped: \(message)")
        }
    }

    @Test func theDefaultIsDerivedFromTheAbsoluteStateLocation() throws {
        let first = try InstanceIdentity.resolve(environment: [:], stateURL: "sqlite:/srv/a/state.sqlite")
        let again = try InstanceIdentity.resolve(environment: ["PRENV_INSTANCE": "  "], stateURL: "sqlite:/srv/a/../a/./state.sqlite")
        let relative = try InstanceIdentity.resolve(environment: [:], stateURL: "sqlite:state.sqlite", workingDirectory: "/srv/a")
        let other = try InstanceIdentity.resolve(environment: [:], stateURL: "sqlite:/srv/b/state.sqlite")
        #expect(first.value.hasPrefix("prenv-") && first.value.count == 18)
        #expect(first.value.dropFirst(6).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(first.value == again.value)
        #expect(first.value == relative.value)
        #expect(first.value != other.value)
        #expect(first.source == .derived(stateLocation: "sqlite:/srv/a/state.sqlite"))
        // SHA-256("/srv/a/state.sqlite"), first 12 hex characters.
        #expect(first.value == "prenv-" + Self.sha256Prefix("/srv/a/state.sqlite"))
        #expect(first.description == "prenv instance: \(first.value) (derived from sqlite:/srv/a/state.sqlite; set PRENV_INSTANCE to keep it when the state moves)")
    }

    /// The expected hash, computed by an independent implementation (`sha256sum`).
    static func sha256Prefix(_ text: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        do { try process.run() } catch { return "sha256sum unavailable: \(error)" }
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        let line = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return String(line.prefix(12))
    }
}
