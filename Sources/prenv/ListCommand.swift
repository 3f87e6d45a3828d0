import ArgumentParser
import Foundation
import Orchestrator

/// `prenv ls`: every recorded environment and its resources, from the state store.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List environments and their resources.")

    @OptionGroup var stateOptions: StateOptions

    func run() async throws {
        let records = try await stateOptions.openStore().list()
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

    static func describe(_ phase: EnvironmentPhase) -> String {
        switch phase {
        case .idle: "idle"
        case .provisioning(let sha): "provisioning \(sha.prefix(12))"
        case .ready(let sha): "ready \(sha.prefix(12))"
        case .destroying: "destroying"
        case .destroyed: "destroyed"
        case .failed(let sha, let reason): "failed \(sha.prefix(12)): \(reason)"
        case .skipped(let reason): "skipped: \(reason)"
        }
    }
}
