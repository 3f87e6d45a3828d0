import Foundation
import Logging
import Orchestrator
import PrenvApp
import Synchronization
import Testing

/// `--log-format json`: every record one line of valid JSON with the fields log systems index,
/// whatever hostile text the record carries.
@Suite struct JSONLogHandlerTests {
    /// The lines a handler wrote, as written.
    final class Lines: Sendable {
        let written = Mutex<[String]>([])
        var all: [String] { written.withLock { $0 } }
        var output: LogLineOutput { LogLineOutput { line in self.written.withLock { $0.append(line) } } }
    }

    static let fixedTime = Date(timeIntervalSince1970: 1_764_673_658.123_9)

    static func logger(_ lines: Lines, label: String = "prenv.test") -> Logger {
        Logger(label: label) { label in
            var handler = JSONLogHandler(label: label, metadataProvider: LogContext.metadataProvider, output: lines.output, now: { fixedTime })
            handler.logLevel = .trace
            return handler
        }
    }

    /// Parses one written line: exactly one trailing newline, nothing else unescaped, a JSON object.
    static func object(_ line: String) throws -> [String: Any] {
        #expect(line.hasSuffix("\n"))
        let body = line.dropLast()
        #expect(!body.contains("\n") && !body.contains("\r") && !body.contains("\u{2028}") && !body.contains("\u{2029}"))
        return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test func aRecordIsOneObjectWithTheCoreFieldsFirst() throws {
        let lines = Lines()
        Self.logger(lines).notice("webhook recorded", metadata: ["event": "pull_request", "attempt": "\(3)"])
        #expect(lines.all.count == 1)
        let line = try #require(lines.all.first)
        #expect(line.hasPrefix(#"{"time":"2025-12-02T11:07:38.123Z","level":"notice","message":"webhook recorded","logger":"prenv.test","#))
        let object = try Self.object(line)
        #expect(object["event"] as? String == "pull_request")
        #expect(object["attempt"] as? String == "3")
        #expect(object["delivery"] == nil && object["pr"] == nil)
    }

    @Test func theTaskContextAddsDeliveryRepositoryPRBlueprintAndResource() async throws {
        let lines = Lines()
        let logger = Self.logger(lines)
        let context = LogContext(delivery: "d-123", repository: "acme/webapp", pullRequest: 42, blueprint: "webapp", resource: "site")
        await LogContext.$current.withValue(context) {
            // A line's own `pr` in the inbox-key form (`owner/name#N`) is kept as `pr_ref`; `pr` stays a number.
            logger.info("apply", metadata: ["pr": "acme/webapp#42"])
            await Task { logger.debug("from a child task") }.value
        }
        Task.detached { logger.info("detached: no context") }
        try await Task.sleep(for: .milliseconds(100))
        let objects = try lines.all.map(Self.object)
        #expect(objects.count == 3)
        for object in objects.prefix(2) {
            #expect(object["delivery"] as? String == "d-123")
            #expect(object["repository"] as? String == "acme/webapp")
            #expect(object["pr"] as? Int == 42)
            #expect(object["blueprint"] as? String == "webapp")
            #expect(object["resource"] as? String == "site")
        }
        #expect(objects[0]["pr_ref"] as? String == "acme/webapp#42")
        #expect(objects[2]["delivery"] == nil)
        // Context fields come right after the core ones, in a fixed order.
        let first = try #require(lines.all.first)
        #expect(first.contains(#""logger":"prenv.test","delivery":"d-123","repository":"acme/webapp","pr":42,"blueprint":"webapp","resource":"site","#))
    }

    @Test func hostileStringsAreEscapedAndEveryLineStaysOneLineOfJSON() throws {
        let lines = Lines()
        let invalidUTF8 = String(decoding: [0x66, 0xFF, 0xFE, 0x6F, 0xC3], as: UTF8.self)
        let hostile = [
            "line one\nline two\r\n{\"level\":\"critical\",\"message\":\"forged\"}",
            "quote \" backslash \\ tab \t nul \u{0} bell \u{7} del \u{7F} esc \u{1B}[31m",
            "separators \u{2028} and \u{2029} (JavaScript line terminators)",
            invalidUTF8,
            "<script>alert(1)</script> \u{202E}rtl",
        ]
        let logger = Self.logger(lines)
        for text in hostile {
            logger.warning("\(text)", metadata: ["branch": "\(text)", "\(text)": "key too"])
        }
        #expect(lines.all.count == hostile.count)
        for (line, text) in zip(lines.all, hostile) {
            let object = try Self.object(line)
            #expect(object["message"] as? String == text)
            #expect(object["branch"] as? String == text)
            #expect(object[text] as? String == "key too")
            #expect(object["level"] as? String == "warning")
        }
        #expect(try Self.object(lines.all[3])["message"] as? String == "f\u{FFFD}\u{FFFD}o\u{FFFD}")
        #expect(lines.all[2].contains(#"\u2028"#) && lines.all[2].contains(#"\u2029"#))
        #expect(lines.all[1].contains(#"\u0000"#) && lines.all[1].contains(#"\u007f"#) && lines.all[1].contains(#"\u001b"#))
    }

    @Test func longUntrustedStringsAreBounded() throws {
        let lines = Lines()
        let huge = String(repeating: "é", count: 100_000)
        Self.logger(lines).error("\(huge)", metadata: ["output": "\(huge)"])
        let line = try #require(lines.all.first)
        #expect(line.utf8.count < 12 * 1024)
        let object = try Self.object(line)
        let message = try #require(object["message"] as? String)
        #expect(message.hasPrefix("éé") && message.hasSuffix("more bytes]"))
        #expect(message.utf8.count <= 8 * 1024 + 40)
        let output = try #require(object["output"] as? String)
        #expect(output.utf8.count <= 2 * 1024 + 40)
    }

    @Test func concurrentRecordsNeverInterleave() async throws {
        let lines = Lines()
        let logger = Self.logger(lines)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<200 { logger.info("record \(task)-\(index)", metadata: ["padding": "\(String(repeating: "x", count: 500))"]) }
                }
            }
        }
        #expect(lines.all.count == 1600)
        #expect(Set(try lines.all.map { try Self.object($0)["message"] as? String ?? "" }).count == 1600)
    }
}
