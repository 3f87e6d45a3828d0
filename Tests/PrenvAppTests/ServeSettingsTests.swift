import Foundation
import PrenvApp
import Testing

/// Flags, then environment, then the config file, then defaults; secrets never printed.
@Suite struct ServeSettingsTests {
    @Test func refusesToStartWithoutASecret() {
        let error = #expect(throws: ServeSettings.Problem.self) { try ServeSettings.resolve(flags: .init(), environment: [:]) }
        #expect(error?.description.contains("PRENV_WEBHOOK_SECRET") == true)
    }

    @Test func defaultsApplyWhenNothingIsSet() throws {
        let settings = try ServeSettings.resolve(flags: .init(), environment: ["PRENV_WEBHOOK_SECRET": "s"])
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8080)
        #expect(settings.blueprints == "./blueprints")
        #expect(settings.state == "sqlite:.prenv/state.sqlite")
        #expect(settings.githubAPIURL == "https://api.github.com")
        #expect(settings.githubToken == nil)
    }

    @Test func flagsWinOverEnvironmentWhichWinsOverTheFile() throws {
        let file = (path: "prenv.yaml", text: "host: 10.0.0.1\nport: 9000\nblueprints: /etc/bp\nwebhook_secret: from-file\ngithub_token: file-token\n")
        let environment = ["PRENV_PORT": "9100", "PRENV_BLUEPRINTS": "/env/bp", "GITHUB_TOKEN": "env-token"]
        let settings = try ServeSettings.resolve(flags: .init(blueprints: "/flag/bp"), environment: environment, configFile: file)
        #expect(settings.host == "10.0.0.1")
        #expect(settings.port == 9100)
        #expect(settings.blueprints == "/flag/bp")
        #expect(settings.webhookSecret == "from-file")
        #expect(settings.githubToken == "env-token")
    }

    @Test func configFileErrorsNameFileAndLine() {
        let error = #expect(throws: ServeSettings.Problem.self) {
            try ServeSettings.resolve(flags: .init(), environment: ["PRENV_WEBHOOK_SECRET": "s"], configFile: ("c.yaml", "host: a\nprot: 1\n"))
        }
        #expect(error?.description.hasPrefix("c.yaml:2: unknown setting \"prot\"") == true)
        #expect(throws: ServeSettings.Problem.self) {
            try ServeSettings.resolve(flags: .init(), environment: ["PRENV_WEBHOOK_SECRET": "s"], configFile: ("c.yaml", "host: [a\n"))
        }
    }

    @Test func badPortAndAPIURLAreRejected() {
        #expect(throws: ServeSettings.Problem.self) { try ServeSettings.resolve(flags: .init(), environment: ["PRENV_WEBHOOK_SECRET": "s", "PRENV_PORT": "http"]) }
        #expect(throws: ServeSettings.Problem.self) {
            try ServeSettings.resolve(flags: .init(githubAPIURL: "ftp://ghe.example.com"), environment: ["PRENV_WEBHOOK_SECRET": "s"])
        }
    }

    @Test func descriptionNeverShowsSecrets() throws {
        let settings = try ServeSettings.resolve(flags: .init(), environment: ["PRENV_WEBHOOK_SECRET": "hunter2-secret", "GITHUB_TOKEN": "ghp_tokenvalue"])
        #expect(!settings.description.contains("hunter2-secret"))
        #expect(!settings.description.contains("ghp_tokenvalue"))
    }

    @Test func anEmptySecretAnywhereCountsAsNone() {
        for file in ["webhook_secret: \"\"\n", "webhook_secret: \"   \"\n"] {
            #expect(throws: ServeSettings.Problem.self) {
                try ServeSettings.resolve(flags: .init(), environment: ["PRENV_WEBHOOK_SECRET": ""], configFile: ("c.yaml", file))
            }
        }
    }

    @Test func aYAMLErrorNamesThePlaceButNeverQuotesTheFile() {
        let error = #expect(throws: ServeSettings.Problem.self) {
            try ServeSettings.resolve(flags: .init(), environment: [:], configFile: ("c.yaml", "webhook_secret: \"s3cr3t-value\ngithub_token: `ghp_x\n"))
        }
        #expect(error?.description.hasPrefix("c.yaml:") == true, "\(String(describing: error))")
        #expect(error?.description.contains("s3cr3t-value") == false, "\(String(describing: error))")
        #expect(error?.description.contains("ghp_x") == false, "\(String(describing: error))")
    }

    @Test func aConfigFileThatCannotBeReadStopsTheServer() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-missing-\(UUID().uuidString).yaml").path
        let error = #expect(throws: ServeSettings.Problem.self) {
            try ServeSettings.load(flags: .init(), environment: ["PRENV_WEBHOOK_SECRET": "s"], configPath: path)
        }
        #expect(error?.description == "cannot read the config file \(path)")
    }

    @Test func loadReadsTheConfigFileFromDisk() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-config-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: url) }
        try "webhook_secret: from-the-file\nport: 9001\n".write(to: url, atomically: true, encoding: .utf8)
        let settings = try ServeSettings.load(flags: .init(), environment: [:], configPath: url.path)
        #expect(settings.webhookSecret == "from-the-file")
        #expect(settings.port == 9001)
    }
}
