import Crypto
import Foundation
import GitHub
@testable import Supervisor
import Testing
import WebhookSupport

/// `JSONText` writes what `JSONSerialization` writes, so content keys recorded before it still
/// match the same deliveries after it.
@Suite struct JSONTextTests {
    static let hostile: [String] = {
        var strings = (0...0x7F).map { String(UnicodeScalar(UInt8($0))) }
        strings += ["", "plain", "a/b\\c\"d", "tab\there\nnew\r\u{08}\u{0C}", "é😀中", "\u{2028}\u{2029}", "\u{7F}\u{80}\u{FFFF}", "\u{10FFFF}",
                    "feature/😀\u{0}x", "e\u{301}"]
        return strings
    }()

    @Test func stringsAreWrittenAsJSONSerializationWritesThem() throws {
        for value in Self.hostile {
            var mine = "["
            JSONText.appendString(value, to: &mine)
            mine += "]"
            let reference = String(decoding: try JSONSerialization.data(withJSONObject: [value]), as: UTF8.self)
            #expect(mine == reference, "\(Array(value.unicodeScalars.map(\.value)))")
        }
    }

    @Test func answersAreWrittenAsJSONSerializationWritesThem() throws {
        for value in Self.hostile {
            for delivery in [nil, value] {
                let answer = OutcomeResponse(status: 202, outcome: "accepted", message: "x \(value) y", deliveryID: delivery)
                var object = ["outcome": answer.outcome, "message": answer.message]
                if let delivery { object["delivery"] = delivery }
                #expect(answer.body == (try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
            }
        }
    }

    /// The content key before `JSONText`, kept here as the reference.
    static func referenceKey(_ event: PullRequestEvent, payload: Data) throws -> String {
        var changes = ""
        if let root = try JSONSerialization.jsonObject(with: payload) as? [String: Any], let value = root["changes"] {
            changes = String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
        }
        let parts: [Any] = [
            "pull_request", event.action, event.repository.fullName, event.number, event.pullRequest.head.sha, event.pullRequest.updatedAt,
            event.pullRequest.state, event.pullRequest.base.ref, event.labelNames.sorted(), event.label?.name ?? NSNull(), changes,
        ]
        let encoded = try JSONSerialization.data(withJSONObject: parts, options: [.sortedKeys])
        return SHA256.hash(data: encoded).map { String(format: "%02x", $0) }.joined()
    }

    @Test func contentKeysAreTheKeysRecordedBefore() throws {
        var payloads: [Data] = []
        for value in Self.hostile.prefix(40) + Self.hostile.suffix(10) {
            var payload = PullRequestPayload(action: "labeled", headRef: "f/\(value)", baseRef: "b\(value)", labels: ["x\(value)", "a"],
                                             changedLabel: "l\(value)")
            payloads.append(try payload.json())
            payload.action = "edited"
            var root = try #require(try JSONSerialization.jsonObject(with: try payload.json()) as? [String: Any])
            root["changes"] = ["title": ["from": "old \(value)"], "body": ["from": 1.5], "z": [true, NSNull(), 7]] as [String: Any]
            payloads.append(try JSONSerialization.data(withJSONObject: root))
        }
        for payload in payloads {
            let event = try PullRequestEvent.decode(from: payload)
            #expect(event.contentKey(event: "pull_request") == (try Self.referenceKey(event, payload: payload)))
        }
    }
}
