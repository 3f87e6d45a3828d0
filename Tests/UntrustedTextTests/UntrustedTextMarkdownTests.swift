import Testing
import UntrustedText

/// Untrusted text in GitHub Markdown renders as text: no HTML, no link, no mention, no table break.
@Suite struct UntrustedTextMarkdownTests {
    @Test(arguments: [
        ("plain words", "plain words"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;\\/script&gt;"),
        ("a|b", "a\\|b"),
        ("`code`", "\\`code\\`"),
        ("@org/team", "@&#8203;org\\/team"),
        ("[x](javascript:alert(1))", "\\[x\\]\\(javascript:alert\\(1\\)\\)"),
        ("--> <!-- x", "\\-\\-&gt; &lt;\\!\\-\\- x"),
        ("fixes #12", "fixes \\#&#8203;12"),
        ("https://evil.example/", "https:&#8203;\\/\\/evil\\.example\\/"),
        ("www.evil.example", "www&#8203;\\.evil\\.example"),
        ("*bold* _it_", "\\*bold\\* \\_it\\_"),
        ("rtl \u{202E}txt", "rtl \\\\u\\{202e\\}txt"),
        ("two\nlines", "two\\\\u\\{a\\}lines"),
        ("\"q\" 'a' &amp;", "&quot;q&quot; &#39;a&#39; &amp;amp\\;"),
    ])
    func escapes(_ input: String, _ expected: String) {
        #expect(UntrustedText.markdown(input) == expected)
    }

    @Test func longValuesAreCutBeforeEscaping() {
        let escaped = UntrustedText.markdown(String(repeating: "|", count: 300), limit: 100)
        #expect(escaped == String(repeating: "\\|", count: 100) + "…")
    }

    /// Whatever goes in, nothing in the output opens a tag, ends an HTML comment, or leaves a bare `|`, `[`, `]` or `@` followed by a word.
    @Test func noActiveSyntaxSurvives() {
        let hostile = ["<img src=x onerror=alert(1)>", "-->", "|||", "[a]", "@here", "![i](http://x/y.png)", "<!--", "\u{0}\u{1B}[2J"]
        for input in hostile {
            let output = UntrustedText.markdown(input)
            #expect(!output.contains("<") && !output.contains(">") && !output.contains("-->"), "\(input) -> \(output)")
            let unescapedPipe = output.indices.contains { index in
                output[index] == "|" && (index == output.startIndex || output[output.index(before: index)] != "\\")
            }
            #expect(!unescapedPipe, "\(input) -> \(output)")
            #expect(!output.contains("@h"), "\(input) -> \(output)")
        }
    }
}
