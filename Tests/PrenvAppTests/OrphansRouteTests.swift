import Foundation
import Hummingbird
import HummingbirdTesting
import Orchestrator
import PrenvApp
import Testing

/// `GET /api/orphans` and the orphan count in `/api/environments`, in-process with the serve
/// sweep running over an account in memory.
@Suite struct OrphansRouteTests {
    typealias M = MemoryAccount

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test func beforeTheFirstSweepNothingIsReported() async throws {
        let sweep = MemoryAccount().sweep([M.resource("pipe-7")])
        try await ServeFixture().application(orphanSweep: sweep, gcInterval: 3600).test(.router) { client in
            let orphans = try Self.json(try await client.execute(uri: "/api/orphans", method: .get))
            #expect(orphans["swept_at"] is NSNull)
            #expect((orphans["findings"] as? [Any])?.isEmpty == true)
            let environments = try Self.json(try await client.execute(uri: "/api/environments", method: .get))
            #expect(environments["orphans"] == nil)
        }
    }

    @Test func theLatestSweepIsReportedMaskedAndCounted() async throws {
        let account = MemoryAccount()
        account.failDelete(of: "pipe-8", with: "AccessDenied: User: arn:aws:iam::123456789012:user/ci is not authorized")
        let sweep = account.sweep([M.resource("pipe-7"), M.resource("pipe-8", pr: 8, env: "webapp-webapp-pr8")])
        try await ServeFixture().application(orphanSweep: sweep, gcInterval: 0.05).test(.router) { client in
            var orphans: [String: Any] = [:]
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                orphans = try Self.json(try await client.execute(uri: "/api/orphans", method: .get))
                // A report read just before a sweep deleted pipe-7 may be an earlier one (everything
                // too young, nothing applied): wait for one that applied.
                if !(orphans["swept_at"] is NSNull), orphans["applied"] as? Bool == true, account.deleted == ["pipe-7"] { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(account.deleted == ["pipe-7"], "no sweep deleted the orphan within 30 s")
            #expect(orphans["applied"] as? Bool == true)
            let findings = try #require(orphans["findings"] as? [[String: Any]])
            let failed = try #require(findings.first { $0["outcome"] as? String == "failed" })
            #expect(failed["resource"] as? String == "arn:aws:codepipeline:us-east-1:<account>:pipe-8")
            #expect(failed["detail"] as? String == "AccessDenied: User: arn:aws:iam::<account>:user/ci is not authorized")
            #expect(failed["reason"] as? String == "no-environment")

            let environments = try Self.json(try await client.execute(uri: "/api/environments", method: .get))
            let count = try #require(environments["orphans"] as? [String: Any])
            #expect(count["count"] as? Int == 1)
            #expect(count["swept_at"] as? String == "2027-01-15T08:00:00Z")
        }
    }

    @Test func theRouteIsBehindTheAPIToken() async throws {
        let fixture = try ServeFixture(environment: ["PRENV_API_TOKEN": "orphan-route-token"])
        try await fixture.application().test(.router) { client in
            let refused = try await client.execute(uri: "/api/orphans", method: .get)
            #expect(refused.status == .unauthorized)
            let allowed = try await client.execute(uri: "/api/orphans", method: .get, headers: [.authorization: "Bearer orphan-route-token"])
            #expect(allowed.status == .ok)
        }
    }
}

/// `--gc-interval 0`: no sweep at all.
@Suite struct OrphanSweepDisabledTests {
    @Test func aZeroIntervalNeverSweeps() async throws {
        let account = MemoryAccount()
        let sweep = account.sweep([MemoryAccount.resource("pipe-7")])
        try await ServeFixture().application(orphanSweep: sweep, gcInterval: 0).test(.router) { client in
            // A 0 that reached the loop would sweep every 50 ms (the floor of every interval): wait 20 of those.
            try await Task.sleep(for: .seconds(1))
            let orphans = try OrphansRouteTests.json(try await client.execute(uri: "/api/orphans", method: .get))
            #expect(orphans["swept_at"] is NSNull)
            #expect(account.exists("pipe-7"))
            #expect(account.deleted.isEmpty)
        }
    }

    @Test func theDefaultIntervalIsAnHour() {
        #expect(ServeOptions().gcInterval == 3600)
    }
}
