import Testing
import UntrustedText

/// The one rule for showing untrusted text: what must not reach a log line or terminal as written.
@Suite struct UntrustedTextTests {
    @Test(arguments: [
        ("plain text", "plain text"),
        ("line\nbreak", "line\\u{a}break"),
        ("esc\u{1B}[31mred", "esc\\u{1b}[31mred"),
        ("del\u{7F}", "del\\u{7f}"),
        ("c1\u{9B}x", "c1\\u{9b}x"),
        ("back\\slash", "back\\\\slash"),
        ("tab\there", "tab\\u{9}here"),
        ("bidi \u{202E}txt.exe", "bidi \\u{202e}txt.exe"),
        ("zero\u{200B}width", "zero\\u{200b}width"),
        ("line\u{2028}separator", "line\\u{2028}separator"),
        ("café ünïcode 日本", "café ünïcode 日本"),
    ])
    func escapes(_ input: String, _ expected: String) {
        #expect(UntrustedText.printable(input) == expected)
    }

    @Test func cutsAtTheLimitAndSaysSo() {
        #expect(UntrustedText.printable(String(repeating: "é", count: 250), limit: 200) == String(repeating: "é", count: 200) + "…")
        #expect(UntrustedText.printable(String(repeating: "a", count: 200), limit: 200) == String(repeating: "a", count: 200))
        // The limit counts what was written, before escaping: an escaped value may be longer, never cut mid-escape.
        #expect(UntrustedText.printable(String(repeating: "\n", count: 3), limit: 2) == "\\u{a}\\u{a}…")
    }
}
