import Testing
@testable import Blueprint

/// `github_oauth_token_env` names only variables set for prenv on purpose (`PRENV_…`): a blueprint
/// must not be able to hand the process's own AWS or GitHub credentials to a pipeline.
@Suite struct TokenVariableNameTests {
    static func yaml(_ variable: String) -> String {
        """
        name: api
        on: { repositories: ["acme/*"] }
        resources:
          pipeline:
            type: aws/codepipeline
            properties: { name: "${env.name}", template: main-pipe, github_oauth_token_env: \(variable) }
        """
    }

    @Test(arguments: ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GITHUB_TOKEN", "PRENV", "prenv_GITHUB_TOKEN", "MY_PRENV_TOKEN"])
    func aVariableNotBeginningWithPRENVFailsTheBlueprint(variable: String) {
        #expect(Fixtures.diagnostics(Self.yaml(variable)) == [
            "bp.yaml:6:85: error: property `github_oauth_token_env` must name a variable beginning with `PRENV_`, such as "
                + "`PRENV_GITHUB_OAUTH_TOKEN`: only variables set for prenv on purpose may be handed to a resource, never the "
                + "process's own credentials (e.g. AWS_SECRET_ACCESS_KEY)",
        ])
    }

    @Test func aPRENVVariableLoads() {
        #expect(Fixtures.diagnostics(Self.yaml("PRENV_GITHUB_OAUTH_TOKEN")) == [])
    }

    /// prenv's own secrets begin with `PRENV_` too; a blueprint may not hand them to a pipeline.
    @Test(arguments: ["PRENV_WEBHOOK_SECRET", "PRENV_API_TOKEN", "PRENV_STATE"])
    func prenvsOwnSettingsAreRefused(variable: String) {
        #expect(Fixtures.diagnostics(Self.yaml(variable)) == [
            "bp.yaml:6:85: error: property `github_oauth_token_env` names `\(variable)`, one of prenv's own settings; "
                + "hand a resource a variable set for it, such as `PRENV_GITHUB_OAUTH_TOKEN`, never prenv's secrets",
        ])
    }
}
