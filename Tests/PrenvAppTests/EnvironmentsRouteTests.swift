import Foundation
import Hummingbird
import HummingbirdTesting
import Orchestrator
import PrenvApp
import Testing

/// `GET /api/environments` in-process: what the recorded state looks like to a script, and what
/// it gets when the state cannot be read.
@Suite struct EnvironmentsRouteTests {
    @Test func listsEachRecordedEnvironmentWithItsResources() async throws {
        let key = EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp")
        let node = NodeRecord(id: "artifacts", type: "aws/s3-prefix", status: .created, physicalName: "s3://acme-previews/webapp/pr-7/",
                              updatedAt: Date(timeIntervalSince1970: 1_714_560_000))
        let record = EnvironmentRecord(key: key, envName: "webapp-webapp-pr7", headSHA: String(repeating: "a", count: 40),
                                       state: .ready(sha: String(repeating: "a", count: 40)), nodes: ["artifacts": node],
                                       updatedAt: Date(timeIntervalSince1970: 1_714_560_000))
        try await ServeFixture(store: InMemoryStateStore([record])).application().test(.router) { client in
            let response = try await client.execute(uri: "/api/environments", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            let environments = try #require(object["environments"] as? [[String: Any]])
            #expect(environments.count == 1)
            let environment = try #require(environments.first)
            #expect(environment["repository"] as? String == "acme/webapp")
            #expect(environment["pr"] as? Int == 7)
            #expect(environment["blueprint"] as? String == "webapp")
            #expect(environment["state"] as? String == "ready")
            #expect(environment["head_sha"] as? String == String(repeating: "a", count: 40))
            #expect(environment["env_name"] as? String == "webapp-webapp-pr7")
            let resources = try #require(environment["resources"] as? [[String: Any]])
            #expect(resources.map { $0["id"] as? String } == ["artifacts"])
            #expect(resources.first?["physical_name"] as? String == "s3://acme-previews/webapp/pr-7/")
        }
    }

    @Test func anUnreadableStoreGets500WithTheOutcomeBodyAndNoDetail() async throws {
        // The workers come from memory, so the server starts; only the listing reads the broken store.
        let fixture = try ServeFixture(store: UnreadableStateStore())
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/api/environments", method: .get)
            #expect(response.status == .internalServerError)
            #expect(String(buffer: response.body) == #"{"message":"cannot read the state store; see prenv's log","outcome":"error"}"#)
        }
    }
}
