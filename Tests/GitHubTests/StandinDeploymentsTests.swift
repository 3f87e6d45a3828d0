import Foundation
import GitHub
import HTTPTransport
import TestServices
import Testing

/// The stand-in's deployments enforce what GitHub enforces, so prenv's tests fail where GitHub would.
@Suite struct StandinDeploymentsTests {
    let sha = String(repeating: "c", count: 40)

    func client(_ standin: StandinProcess) -> GitHubClient {
        GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
    }

    func post(_ standin: StandinProcess, _ path: String, _ body: String) async throws -> (status: Int, message: String) {
        let request = HTTPRequest(method: "POST", url: standin.url.appendingPathComponent(path),
                                  headers: ["Authorization": "Bearer \(standin.token)", "User-Agent": "test", "Content-Type": "application/json"],
                                  body: Data(body.utf8))
        let response = try await CurlTransport().send(request)
        let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (response.status, object?["message"] as? String ?? "")
    }

    @Test func aDeploymentAndItsStatusesRoundTripNewestFirst() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let github = client(standin)
        let deployment = try await github.createDeployment(owner: "acme", repo: "web", .init(ref: sha, environment: "webapp/pr-1"))
        #expect(deployment.sha == sha && deployment.environment == "webapp/pr-1")
        try await github.createDeploymentStatus(owner: "acme", repo: "web", deploymentID: deployment.id, .init(state: .inProgress, description: "go"))
        try await github.createDeploymentStatus(owner: "acme", repo: "web", deploymentID: deployment.id,
                                                .init(state: .success, description: "ok", environmentURL: URL(string: "https://x.example/")))
        let listed = try await CurlTransport().send(HTTPRequest(
            method: "GET", url: standin.url.appendingPathComponent("repos/acme/web/deployments/\(deployment.id)/statuses"),
            headers: ["Authorization": "Bearer \(standin.token)", "User-Agent": "test"]))
        let states = (try JSONSerialization.jsonObject(with: listed.body) as? [[String: Any]])?.map { $0["state"] as? String }
        #expect(states == ["success", "in_progress"])
        let recorded = try await standin.deployments().deployments
        #expect(recorded.first?.transientEnvironment == true && recorded.first?.productionEnvironment == false)
        #expect(recorded.first?.autoMerge == false && recorded.first?.requiredContexts == [])
    }

    @Test func whatGitHubRefusesIsRefused() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        #expect(try await post(standin, "repos/acme/web/deployments", #"{"environment": "x"}"#) == (422, "Validation Failed"))
        #expect(try await post(standin, "repos/acme/web/deployments", #"{"ref": "  "}"#) == (422, "Validation Failed"))
        #expect(try await post(standin, "repos/acme/web/deployments", #"{"ref": "feature/x", "required_contexts": []}"#)
            == (422, "No ref found for: feature/x"))
        let long = String(repeating: "e", count: 256)
        #expect(try await post(standin, "repos/acme/web/deployments", #"{"ref": "\#(sha)", "environment": "\#(long)", "required_contexts": []}"#).status == 422)
        // required_contexts while the commit's check is pending: GitHub's 409.
        _ = try await client(standin).createStatus(owner: "acme", repo: "web", sha: sha,
                                                   status: CommitStatus(state: .pending, context: "ci", description: nil))
        let conflict = try await post(standin, "repos/acme/web/deployments", #"{"ref": "\#(sha)", "required_contexts": ["ci"]}"#)
        #expect(conflict == (409, "Conflict: Commit status checks failed for \(sha)."))
        // A registered branch resolves.
        _ = try await standin.admin("deployments/refs", ["ref": "feature/x"])
        #expect(try await post(standin, "repos/acme/web/deployments", #"{"ref": "feature/x", "required_contexts": []}"#).status == 201)

        let id = try await client(standin).createDeployment(owner: "acme", repo: "web", .init(ref: sha, environment: "webapp/pr-1")).id
        let statuses = "repos/acme/web/deployments/\(id)/statuses"
        #expect(try await post(standin, statuses, #"{"state": "done"}"#).status == 422)
        #expect(try await post(standin, statuses, #"{"state": "success", "description": "\#(String(repeating: "d", count: 141))"}"#).status == 422)
        #expect(try await post(standin, statuses, #"{"state": "success", "environment_url": "javascript:alert(1)"}"#).status == 422)
        #expect(try await post(standin, statuses, #"{"state": "success", "log_url": "ftp://x/"}"#).status == 422)
        #expect(try await post(standin, "repos/acme/web/deployments/1/statuses", #"{"state": "success"}"#).status == 404)
        #expect(try await post(standin, "repos/acme/other/deployments/\(id)/statuses", #"{"state": "success"}"#).status == 404)
    }

    @Test func injectedFaultsAnswerTheNextDeploymentsAndThrowGitHubError() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        _ = try await standin.admin("deployments/faults", ["status": 409, "count": 2])
        for _ in 0..<2 {
            let error = await #expect(throws: GitHubError.self) {
                try await client(standin).createDeployment(owner: "acme", repo: "web", .init(ref: sha, environment: "e"))
            }
            #expect(error?.status == 409)
        }
        #expect(try await client(standin).createDeployment(owner: "acme", repo: "web", .init(ref: sha, environment: "e")).id > 0)
    }
}
