import Foundation
import Orchestrator
import Synchronization

/// Live progress in the terminal: one line per node event, with state and elapsed time.
final class ProgressPrinter: Sendable {
    private let started = Mutex<[String: Date]>([:])
    private let width: Int

    init(nodeIDs: [String]) {
        width = nodeIDs.map(\.count).max() ?? 8
    }

    func handle(_ event: ProgressEvent) {
        let node = event.node.padding(toLength: width, withPad: " ", startingAt: 0)
        switch event {
        case .started(_, let action, let at):
            started.withLock { $0[event.node] = at }
            emit("  \(node)  started    \(action)")
        case .progress(_, let message):
            emit("  \(node)  \(elapsed(event.node))  \(message)")
        case .succeeded(_, let action, let duration):
            emit("  \(node)  done       \(action) in \(Self.seconds(duration))")
        case .failed(_, _, let error, let duration):
            emit("  \(node)  FAILED     after \(Self.seconds(duration)): \(error)")
        case .skipped(_, _, let blockedBy):
            emit("  \(node)  skipped    (because \(blockedBy.joined(separator: ", ")) failed)")
        case .cancelled:
            emit("  \(node)  cancelled")
        case .stage:
            break  // the provider's own progress line ("stage Build: Succeeded") already says it
        }
    }

    private func elapsed(_ node: String) -> String {
        guard let start = started.withLock({ $0[node] }) else { return "        " }
        return String(format: "%7.1fs", Date().timeIntervalSince(start))
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1fs", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    /// Written straight to the file descriptor so lines appear immediately even when piped.
    private func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
