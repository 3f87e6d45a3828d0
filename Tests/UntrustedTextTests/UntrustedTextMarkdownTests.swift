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

    /// A combining grapheme joiner (U+034F) after, or a prepend character (U+0D4E) before, an
    /// active character makes one grapheme that is not equal to `"|"` or `"@"`; GitHub reads bytes
    /// and still sees the `|`, so escaping must look at scalars.
    @Test(arguments: [
        ("a|\u{034F}b", "a\\|\u{034F}b"),
        ("\u{0D4E}@octocat", "\u{0D4E}@&#8203;octocat"),
        ("\u{0D4E}<details>\u{034F}", "\u{0D4E}&lt;details&gt;\u{034F}"),
        ("[\u{034F}click \u{0D4E}](\u{034F}x", "\\[\u{034F}click \u{0D4E}\\]\\(\u{034F}x"),
        ("\u{0D4E}https://evil.example", "\u{0D4E}https:&#8203;\\/\\/evil\\.example"),
        ("\u{0D4E}www.evil", "\u{0D4E}www&#8203;\\.evil"),
        ("\u{0D4E}\u{202E}txt", "\u{0D4E}\\\\u\\{202e\\}txt"),
        ("\u{0D4E}#12", "\u{0D4E}\\#&#8203;12"),
    ])
    func escapesScalarsJoinedIntoOneGrapheme(_ input: String, _ expected: String) {
        let output = UntrustedText.markdown(input)
        #expect(Array(output.unicodeScalars) == Array(expected.unicodeScalars), "\(input.debugDescription) -> \(output.debugDescription)")
        #expect(!Self.hasActiveSyntax(output), "\(input.debugDescription) -> \(output.debugDescription)")
    }

    /// The limit counts scalars, so a run of `|` + U+034F (one grapheme each) cannot smuggle in
    /// more than `limit` scalars, and every kept `|` is escaped.
    @Test func limitCountsScalars() {
        let escaped = UntrustedText.markdown(String(repeating: "|\u{034F}", count: 100), limit: 3)
        #expect(Array(escaped.unicodeScalars) == Array("\\|\u{034F}\\|…".unicodeScalars), "\(escaped.debugDescription)")
    }

    /// True when `output` holds, at the scalar level (as GitHub's parser reads it), a tag opener,
    /// an unescaped `|`, `[`, `]`, `(` or a mention `@` not followed by the zero-width space.
    static func hasActiveSyntax(_ output: String) -> Bool {
        let scalars = Array(output.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            let escaped = index > 0 && scalars[index - 1] == "\\"
            switch scalar {
            case "<", ">": return true
            case "|", "[", "]", "(", ")": if !escaped { return true }
            case "@": if !String(String.UnicodeScalarView(scalars[(index + 1)...])).hasPrefix("&#8203;") { return true }
            default: continue
            }
        }
        return false
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
