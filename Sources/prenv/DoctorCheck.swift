/// One line of `prenv doctor`'s report.
struct DoctorCheck: Sendable, Equatable {
    enum Outcome: String, Sendable {
        case ok, fail, skip
    }

    var name: String
    var outcome: Outcome
    var detail: String

    static func ok(_ name: String, _ detail: String) -> DoctorCheck { DoctorCheck(name: name, outcome: .ok, detail: detail) }
    static func fail(_ name: String, _ detail: String) -> DoctorCheck { DoctorCheck(name: name, outcome: .fail, detail: detail) }
    static func skip(_ name: String, _ detail: String) -> DoctorCheck { DoctorCheck(name: name, outcome: .skip, detail: detail) }

    /// Fixed-width columns so a failing line stands out when scanning.
    var rendered: String {
        let paddedName = name.padding(toLength: max(name.count, 15), withPad: " ", startingAt: 0)
        let paddedOutcome = outcome.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)
        return "  \(paddedName)\(paddedOutcome) \(detail)"
    }
}
