import Foundation
import GitHub
import Testing

@Suite struct CommitStatusTests {
    @Test func shortDescriptionIsKept() {
        #expect(CommitStatus(state: .pending, context: "prenv", description: "Deploying").description == "Deploying")
    }

    @Test func exactly140IsKeptAnd141IsCutWithEllipsis() {
        let at = String(repeating: "a", count: 140)
        #expect(CommitStatus(state: .success, context: "c", description: at).description == at)
        let cut = CommitStatus(state: .success, context: "c", description: at + "b").description
        #expect(cut == String(repeating: "a", count: 139) + "…")
        #expect(cut?.count == 140)
    }

    @Test func cutsByCharacterNeverSplittingAGrapheme() throws {
        let flags = String(repeating: "🇩🇪", count: 200)  // each flag is 1 Character, 2 code points
        let cut = try #require(CommitStatus(state: .failure, context: "c", description: flags).description)
        #expect(cut.hasSuffix("…"))
        #expect(cut.unicodeScalars.count <= 140)
        #expect(cut.dropLast().allSatisfy { $0 == "🇩🇪" })
    }

    @Test func newlinesAndControlCharactersBecomeSingleSpaces() {
        let status = CommitStatus(state: .error, context: "c", description: "  build\r\nfailed:\t\u{0007}exit 1\n")
        #expect(status.description == "build failed: exit 1")
    }

    @Test func encodesGitHubFieldNames() throws {
        let status = CommitStatus(state: .success, context: "prenv/preview", description: "ok",
                                  targetURL: URL(string: "https://pr-2.example.com"))
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(status)) as? [String: String]
        #expect(json == ["state": "success", "context": "prenv/preview", "description": "ok", "target_url": "https://pr-2.example.com"])
    }
}
