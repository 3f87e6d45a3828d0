/// A provider call that failed, with the node and phase named so a user sees what to fix.
public struct ProvisionError: Error, Sendable, CustomStringConvertible {
    public enum Phase: String, Sendable, Hashable, Codable {
        case create, update, delete
    }

    public var node: String
    public var phase: Phase
    public var underlying: any Error & Sendable

    public init(node: String, phase: Phase, underlying: any Error & Sendable) {
        self.node = node
        self.phase = phase
        self.underlying = underlying
    }

    /// `build: create failed: AccessDenied: …`: node, phase, then the underlying error's own words.
    public var description: String { "\(node): \(phase.rawValue) failed: \(String(describing: underlying))" }
}

/// Why a node could not be handed to its provider at all; wrapped in a `ProvisionError`.
public enum ExecutionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No provider is registered for the type.
    case noProvider(String)
    /// The plan names a node the blueprint does not declare (plan and blueprint out of step).
    case notInBlueprint(String)
    /// Some references had no value when the node was due (e.g. an output the provider never set).
    case unresolved([String])

    public var description: String {
        switch self {
        case .noProvider(let type): "no provider for resource type \(type)"
        case .notInBlueprint(let node): "node \(node) is not in the blueprint"
        case .unresolved(let references): "unresolved references: " + references.joined(separator: ", ")
        }
    }
}
