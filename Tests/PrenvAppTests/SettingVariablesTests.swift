import Foundation
import Providers
import Testing

/// Every `PRENV_…` variable the composition root reads is one a blueprint may never hand to a
/// resource (`ProviderKind.prenvSettingVariables`), so a new secret setting cannot slip past the list.
@Suite struct SettingVariablesTests {
    @Test func everyVariableTheSettingsReadIsReserved() throws {
        let sources = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/PrenvApp")
        let files = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".swift") }
        #expect(!files.isEmpty, "no sources found at \(sources.path)")
        var found: Set<String> = []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            let pattern = try NSRegularExpression(pattern: "\"(PRENV_[A-Z0-9_]+)\"")
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { found.insert(String(text[range])) }
            }
        }
        #expect(found.contains("PRENV_WEBHOOK_SECRET"), "the scan must see the settings: \(found)")
        #expect(found.subtracting(ProviderKind.prenvSettingVariables).isEmpty,
                "read by prenv but not reserved: \(found.subtracting(ProviderKind.prenvSettingVariables).sorted())")
    }
}
