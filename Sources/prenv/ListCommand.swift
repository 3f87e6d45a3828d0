import ArgumentParser
import Foundation
import Orchestrator

/// `prenv ls`: every recorded environment and its resources, from the state store.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List environments and their resources.")

    @OptionGroup var stateOptions: StateOptions

    func run() async throws {
        let records = try await stateOptions.withState { try await $0.store.list() }
        if records.isEmpty { print("no environments") }
        for record in records {
            print("\(record.key)  \(record.envName)  \(Self.describe(record.state))  head \(record.headSHA.prefix(12))")
            for node in record.nodes.values.sorted(by: { $0.id < $1.id }) {
                var line = "  \(node.id)  \(node.type.rawValue)  \(node.status.rawValue)"
                if let name = node.physicalName { line += "  \(name)" }
                if let error = node.lastError { line += "  error: \(error)" }
                print(line)
            }
        }
    }

    /// `ready 1a2b3c4d5e6f`, `failed 1a2b3c4d5e6f: reason`, `skipped: reason`.
    static func describe(_ phase: EnvironmentPhase) -> String {
        var text = phase.name
        if let sha = phase.sha { text += " \(sha.prefix(12))" }
        if let reason = phase.reason { text += ": \(reason)" }
        return text
    }
}
