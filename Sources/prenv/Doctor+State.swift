import Logging
import PrenvApp

extension Doctor {
    /// Where the state is and, for PostgreSQL, that it answers and which schema version it holds.
    /// Reads only: doctor never creates a file or migrates a database.
    func state() async -> DoctorCheck {
        let location: StateLocation
        var warnings: [String] = []
        do throws(StartupError) {
            location = try StateLocation.parse(stateURL ?? environment["PRENV_STATE"], environment: environment) { warnings.append($0) }
        } catch {
            return .fail("state", error.message)
        }
        let checked = await Composition.checkState(location, connectTimeout: .seconds(timeoutSeconds), logger: logger)
        let detail = ([checked.detail] + warnings.map { "warning: \($0)" }).joined(separator: "; ")
        return checked.ok ? .ok("state", detail) : .fail("state", detail)
    }
}
