import Foundation
import Mustache
import Orchestrator
import Supervisor

/// The pages of `GET /` and `GET /environments/OWNER/NAME/PR/BLUEPRINT`, rendered on the server:
/// a pure function from a `DashboardSnapshot` to an HTML string (the routes add the headers).
public enum Dashboard {
    /// The templates, parsed once. They are constants of this module, so a parse failure is a
    /// programming error that any test rendering a page reveals; a build that has it serves an
    /// explanation instead of crashing (`render`).
    static let library: Result<MustacheLibrary, any Error> = Result {
        var library = MustacheLibrary()
        try library.register(Templates.head, named: "head")
        try library.register(Templates.foot, named: "foot")
        try library.register(Templates.list, named: "list")
        try library.register(Templates.environment, named: "environment")
        return library
    }

    /// Every environment.
    public static func list(_ snapshot: DashboardSnapshot) -> String {
        render(ListPage(snapshot), template: "list")
    }

    /// One environment's page, or nil when the snapshot has no such environment.
    public static func environment(_ key: EnvironmentKey, _ snapshot: DashboardSnapshot) -> String? {
        guard let environment = snapshot.environment(key) else { return nil }
        return render(EnvironmentPage(environment, snapshot: snapshot), template: "environment")
    }

    static func render(_ page: Any, template: String) -> String {
        switch library {
        case .success(let library):
            return library.render(page, withTemplate: template) ?? "<!doctype html><title>prenv</title><p>template \(template) missing</p>"
        case .failure:
            return "<!doctype html><title>prenv</title><p>The dashboard's templates do not parse; see prenv's tests.</p>"
        }
    }
}
