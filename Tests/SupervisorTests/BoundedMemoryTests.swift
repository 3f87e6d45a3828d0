@testable import Supervisor
import Testing

/// What the queue remembers (fingerprints sent, heads) is digests, bounded, oldest forgotten first.
@Suite struct BoundedMemoryTests {
    @Test func itTellsTheRememberedTextFromAnyOtherAndForgetsTheOldestBeyondItsCapacity() {
        var memory = BoundedMemory(capacity: 10)
        memory.remember("success|ready", under: "status acme/web@abc/prenv/web")
        #expect(memory.holds("success|ready", under: "status acme/web@abc/prenv/web"))
        #expect(!memory.holds("success|ready ", under: "status acme/web@abc/prenv/web"))
        #expect(!memory.holds("success|ready", under: "status acme/web@abd/prenv/web"))
        memory.remember("failure|no", under: "status acme/web@abc/prenv/web")
        #expect(memory.holds("failure|no", under: "status acme/web@abc/prenv/web"))
        for index in 1...10 { memory.remember("\(index)", under: "key \(index)") }
        #expect(!memory.remembers("status acme/web@abc/prenv/web"), "the oldest key is forgotten")
        #expect(memory.holds("10", under: "key 10") && memory.remembers("key 2"))
    }
}
