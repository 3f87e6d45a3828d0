import Blueprint
import Testing

@testable import Providers

/// The provider refuses, before any lookup, a token variable the loader would have refused: a
/// settings value built some other way still cannot read the process's own credentials.
@Suite struct CodePipelineTokenVariableTests {
    static func settings(_ variable: String) throws -> CodePipelineSettings {
        try CodePipelineSettings(["name": .string("env-1"), "template": .string("main-pipe"), "github_oauth_token_env": .string(variable)],
                                 headSHA: "abc123")
    }

    @Test(arguments: ["AWS_SECRET_ACCESS_KEY", "PRENV_WEBHOOK_SECRET", "PRENV_API_TOKEN"])
    func aVariableWithoutThePrefixOrOfPrenvsOwnIsRefusedAndNeverLookedUp(variable: String) throws {
        let settings = try Self.settings(variable)
        let looked = LookedUp()
        let error = #expect(throws: ProviderError.self) {
            try CodePipelineProvider.resolveToken(settings) { name in looked.names.append(name); return "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }
        }
        #expect(String(describing: error).contains("is not one prenv hands to a pipeline: names must begin with PRENV_"))
        #expect(!String(describing: error).contains("wJalr"))
        #expect(looked.names.isEmpty)
    }

    @Test func aPRENVVariableIsLookedUp() throws {
        let settings = try Self.settings("PRENV_GITHUB_OAUTH_TOKEN")
        #expect(try CodePipelineProvider.resolveToken(settings) { $0 == "PRENV_GITHUB_OAUTH_TOKEN" ? "tok" : nil } == "tok")
    }

    final class LookedUp { var names: [String] = [] }
}
