/// What colour a state is drawn in, one rule for environments, resources and stages: done is
/// green, running amber, failed red, gone or never run grey. The class names are what the CSS and
/// the tests key on; `fill` and `stroke` are also written on the SVG shapes themselves, so the graph
/// keeps its colours wherever it is copied to.
enum StateStyle: String, Sendable {
    case done, running, failed, gone, idle

    /// Environment phases (`ready`, `provisioning`, …), activity states, resource states
    /// (`created`, `creating`, …) and CodePipeline stage statuses (`Succeeded`, `InProgress`, …).
    init(_ state: String) {
        switch state.lowercased() {
        case "ready", "created", "updated", "unchanged", "succeeded":
            self = .done
        case "provisioning", "destroying", "creating", "updating", "deleting", "checking", "inprogress", "stopping":
            self = .running
        case "failed", "teardown_failed":
            self = .failed
        case "deleted", "destroyed", "skipped", "cancelled", "stopped", "superseded", "expired":
            self = .gone
        default:
            self = .idle  // pending, idle, waiting_for_slot, anything new
        }
    }

    var fill: String {
        switch self {
        case .done: "#d7f0dc"
        case .running: "#ffe9b3"
        case .failed: "#f8d0d0"
        case .gone: "#e4e4e4"
        case .idle: "#ffffff"
        }
    }

    var stroke: String {
        switch self {
        case .done: "#1e7b34"
        case .running: "#b26a00"
        case .failed: "#c62828"
        case .gone: "#7a7a7a"
        case .idle: "#5a6270"
        }
    }

    /// Whether a page showing this should refresh itself.
    var isInProgress: Bool { self == .running }
}
