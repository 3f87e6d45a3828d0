import Foundation
import GitHub
import PrenvApp
import UntrustedText

extension Doctor {
    /// The GitHub checks: the App's when `GITHUB_APP_ID` is set (it wins over a token, as in
    /// `serve`), else the token's.
    func githubChecks() async -> [DoctorCheck] {
        let auth: GitHubAuthSettings
        do throws(ServeSettings.Problem) {
            auth = try GitHubAuthSettings.fromEnvironment(environment)
        } catch {
            return [.fail("github", error.description)]
        }
        guard let appID = auth.appID else { return [await github()] }
        var checks: [DoctorCheck] = []
        if auth.tokenUnused {
            checks.append(.skip("github", "GITHUB_TOKEN is set but unused: the GitHub App \(appID) authenticates instead"))
        }
        return checks + (await githubApp(auth, appID: appID))
    }

    /// The App's JWT is accepted (`GET /app`, naming the App) and the App is installed somewhere
    /// (`GET /app/installations`). Says what to fix; never prints the key or the JWT.
    func githubApp(_ auth: GitHubAuthSettings, appID: Int) async -> [DoctorCheck] {
        let key: GitHubAppKey
        do throws(StartupError) {
            key = try Composition.appKey(auth)
        } catch {
            return [.fail("github-app", error.message), .skip("installations", "no usable App key")]
        }
        guard let base = URL(string: auth.apiURL), base.host != nil else {
            return [.fail("github-app", "GITHUB_API_URL is not a URL: \(auth.apiURL)"), .skip("installations", "no GitHub API URL")]
        }
        let api = GitHubAppAPI(baseURL: base, jwt: GitHubAppJWT(appID: appID, key: key), transport: transport, userAgent: "prenv")
        let app: GitHubAppAPI.App
        do {
            app = try await api.app()
        } catch {
            return [.fail("github-app", "GET /app: \(error)"), .skip("installations", "the App's JWT was not accepted")]
        }
        let name = UntrustedText.printable(app.slug ?? app.name ?? "?", limit: 100)
        let appCheck = DoctorCheck.ok("github-app", "\(auth.apiURL): JWT accepted for App \(name) (id \(app.id))")
        do {
            let installations = try await api.installations()
            guard !installations.isEmpty else {
                return [appCheck, .fail("installations", "App \(name) is installed nowhere: install it on the repositories prenv serves "
                    + "(README, \"Installing prenv as a GitHub App\")")]
            }
            let accounts = installations.map { UntrustedText.printable($0.account?.login ?? "installation \($0.id)", limit: 60) }
            let count = DoctorCheck.ok("installations", "\(installations.count) installation(s): \(accounts.prefix(10).joined(separator: ", "))"
                + (accounts.count > 10 ? ", …" : ""))
            return [appCheck, count] + (await blueprintRepositories(api: api).map { [$0] } ?? [])
        } catch {
            return [appCheck, .fail("installations", "GET /app/installations: \(error)")]
        }
    }

    /// Whether the App is installed on each repository the blueprints name literally (`PRENV_BLUEPRINTS`,
    /// else `./blueprints`): one `GET /repos/{o}/{r}/installation` each, at most `maxRepositories`.
    /// nil when there are no readable blueprints or none names a repository literally (globs cannot be asked about).
    func blueprintRepositories(api: GitHubAppAPI, maxRepositories: Int = 20) async -> DoctorCheck? {
        let directory = environment["PRENV_BLUEPRINTS"].flatMap { $0.isEmpty ? nil : $0 } ?? "./blueprints"
        guard let blueprints = try? Composition.loadBlueprints(directory: directory) else { return nil }
        var seen = Set<String>()
        let named = blueprints.flatMap { $0.triggers.repositories.map(\.pattern) }
            .filter { !$0.contains(where: { "*?[".contains($0) }) && seen.insert($0.lowercased()).inserted }
        guard !named.isEmpty else { return nil }
        var installed: [String] = []
        var missing: [String] = []
        for repository in named.prefix(maxRepositories) {
            do {
                _ = try await api.installationID(for: repository)
                installed.append(repository)
            } catch GitHubAppError.notInstalled {
                missing.append(repository)
            } catch {
                return .fail("app-repos", "GET /repos/\(UntrustedText.printable(repository))/installation: \(error)")
            }
        }
        let more = named.count > maxRepositories ? " (first \(maxRepositories) of \(named.count))" : ""
        guard missing.isEmpty else {
            return .fail("app-repos", "not installed on \(missing.map { UntrustedText.printable($0) }.joined(separator: ", ")) "
                + "(named in \(directory)); installed on \(installed.count) other(s)\(more)")
        }
        return .ok("app-repos", "installed on every repository the blueprints name: \(installed.map { UntrustedText.printable($0) }.joined(separator: ", "))\(more)")
    }
}
