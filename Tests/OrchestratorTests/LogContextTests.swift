import Orchestrator
import Testing

/// `LogContext` keeps its fields in a shared box (so queued GitHub writes hold a reference, not a
/// copy); it must still behave as the plain value it was: a change to one copy never shows in another.
@Suite struct LogContextTests {
    @Test func changingACopyLeavesTheOriginalAsItWas() {
        let original = LogContext(delivery: "d-1", repository: "acme/web", pullRequest: 5, blueprint: "web")
        var changed = original
        changed.resource = "pipeline"
        changed.delivery = nil
        #expect(original.resource == nil)
        #expect(original.delivery == "d-1")
        #expect(changed.resource == "pipeline")
        #expect(changed.delivery == nil)
        #expect(changed.repository == "acme/web")
        #expect(changed.pullRequest == 5)
        #expect(changed.blueprint == "web")
        #expect(original != changed)
    }

    @Test func contextsMadeApartWithEqualFieldsAreEqualAndHashAlike() {
        let first = LogContext(delivery: "d-1", repository: "acme/web", pullRequest: 5)
        var second = LogContext(delivery: "d-1")
        second.repository = "acme/web"
        second.pullRequest = 5
        #expect(first == second)
        #expect(Set([first, second]).count == 1)
        second.pullRequest = 6
        #expect(first != second)
        #expect(Set([first, second]).count == 2)
    }

    @Test func aResourceContextKeepsTheTasksOtherFields() {
        let outer = LogContext(delivery: "d-2", repository: "acme/api", pullRequest: 9, blueprint: "api")
        let inner = LogContext.$current.withValue(outer) { LogContext.resource("bucket") }
        #expect(inner == LogContext(delivery: "d-2", repository: "acme/api", pullRequest: 9, blueprint: "api", resource: "bucket"))
        #expect(outer.resource == nil)
    }
}
