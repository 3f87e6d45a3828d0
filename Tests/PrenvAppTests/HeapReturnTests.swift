import Foundation
import PrenvApp
import Testing

/// `HeapReturn.trim()` gives freed heap pages back to the system: the process's anonymous resident
/// memory drops by most of what a burst freed, although live blocks remain spread through it (so
/// glibc's own trimming of the heap's top cannot do it).
@Suite struct HeapReturnTests {
    @Test func trimReturnsFreedPagesInTheMiddleOfTheHeap() throws {
        let blocks = 120_000, size = 512  // ~59 MiB in small chunks, under malloc's mmap threshold
        var pointers: [UnsafeMutableRawPointer] = []
        pointers.reserveCapacity(blocks)
        for _ in 0..<blocks {
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
            pointer.initializeMemory(as: UInt8.self, repeating: 0xA5, count: size)  // resident, not just reserved
            pointers.append(pointer)
        }
        // Keep one block in 200 (and the last), free the rest: ~58 MiB of holes between live blocks.
        var kept: [UnsafeMutableRawPointer] = []
        for (index, pointer) in pointers.enumerated() {
            if index % 200 == 0 || index == blocks - 1 { kept.append(pointer) } else { pointer.deallocate() }
        }
        pointers = []
        let before = try Self.anonymousKiB()
        HeapReturn.trim()
        let after = try Self.anonymousKiB()
        for pointer in kept { pointer.deallocate() }
        // At least half of the ~58 MiB freed goes back (each kept block pins only its own page).
        #expect(before - after > 29 * 1024, "RssAnon \(before) KiB before the trim, \(after) KiB after")
    }

    static func anonymousKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") }
        let value = line?.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) }
        return try #require(value, "no RssAnon in /proc/self/status")
    }
}
