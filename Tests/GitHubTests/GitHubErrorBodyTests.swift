import Foundation
import GitHub
import Testing

/// `GitHubError(status:body:)` on bodies found by `prenv-fuzz-github-errors` (Tests/Fuzz).
@Suite struct GitHubErrorBodyTests {
    /// Fuzz finding: `{"message":""}` gave an error whose message was empty ("GitHub 422: ").
    @Test(arguments: [#"{"message":""}"#, #"{"message":"  \n"}"#, #"{}"#])
    func blankMessageNamesTheStatus(body: String) {
        let error = GitHubError(status: 422, body: Data(body.utf8))
        #expect(error.message == "HTTP 422")
        #expect(error.description == "GitHub 422: HTTP 422")
    }

    @Test func messageIsKeptAsSent() {
        let error = GitHubError(status: 404, body: Data(#"{"message":" Not Found\n"}"#.utf8))
        #expect(error.message == " Not Found\n")
    }
}
