import _CryptoExtras
import Foundation
import GitHub
import HTTPTransport
import TestServices
import Testing

/// The App's JWT: its claims as GitHub requires them, and its RS256 signature checked by the
/// stand-in (which verifies it with plain modular arithmetic, independently of swift-crypto).
@Suite struct GitHubAppJWTTests {
    @Test func claimsAndHeaderAreWhatGitHubRequires() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = try GitHubAppJWT(appID: 4242, key: AppTestKeys.appKey()).token(now: now)
        let parts = token.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"), "base64url without padding")
        let header = try #require(try JSONSerialization.jsonObject(with: Self.base64URL(parts[0])) as? [String: Any])
        #expect(header["alg"] as? String == "RS256")
        #expect(header["typ"] as? String == "JWT")
        let claims = try #require(try JSONSerialization.jsonObject(with: Self.base64URL(parts[1])) as? [String: Any])
        #expect(claims["iat"] as? Int == 1_800_000_000 - 60)
        #expect(claims["exp"] as? Int == 1_800_000_000 + 540)
        #expect(claims["iss"] as? Int == 4242)
        // RS256 = PKCS#1 v1.5 over SHA-256 of "header.payload", verifiable with the public key.
        let signature = _RSA.Signing.RSASignature(rawRepresentation: Self.base64URL(parts[2]))
        #expect(AppTestKeys.app.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8), padding: .insecurePKCS1v1_5))
    }

    @Test func theStandinAcceptsTheJWTAndNamesTheApp() async throws {
        let standin = try await appStandin()
        defer { standin.stop() }
        let api = GitHubAppAPI(baseURL: standin.url, jwt: GitHubAppJWT(appID: 4242, key: try AppTestKeys.appKey()), transport: CurlTransport())
        let app = try await api.app()
        #expect(app.id == 4242)
        #expect(app.slug == "prenv-test")
        #expect(try await api.installations().map(\.id) == [11, 12])
        #expect(try await api.installationID(for: "acme/api") == 11)
        #expect(try await standin.appCounters().jwtRejections == 0)
    }

    @Test func theStandinRefusesAJWTFromTheFutureOrTooLong() async throws {
        let standin = try await appStandin()
        defer { standin.stop() }
        // A clock 2 minutes ahead of GitHub's: iat (now − 60 s) is still in the future there.
        let ahead = GitHubAppAPI(baseURL: standin.url, jwt: GitHubAppJWT(appID: 4242, key: try AppTestKeys.appKey()),
                                 transport: CurlTransport(), now: { Date().addingTimeInterval(120) })
        let error = try await #require(throws: GitHubAppError.self) { try await ahead.app() }
        #expect(error == .jwtRejected(appID: 4242, message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"))
        // Ten minutes behind: the JWT has expired by GitHub's clock.
        let behind = GitHubAppAPI(baseURL: standin.url, jwt: GitHubAppJWT(appID: 4242, key: try AppTestKeys.appKey()),
                                  transport: CurlTransport(), now: { Date().addingTimeInterval(-600) })
        let expired = try await #require(throws: GitHubAppError.self) { try await behind.app() }
        guard case .jwtRejected(_, let message) = expired else { Issue.record("\(expired)"); return }
        #expect(message.hasPrefix("'Expiration time' claim ('exp') must be a numeric value"))
        #expect(try await standin.appCounters().jwtRejections == 2)
    }

    @Test func aJWTSignedWithTheWrongKeyIsAClearErrorWithoutTheJWT() async throws {
        let standin = try await appStandin()
        defer { standin.stop() }
        let credential = try appCredential(standin, key: AppTestKeys.stranger)
        let error = try await #require(throws: GitHubAppError.self) { try await credential.authorization(for: "acme/webapp") }
        #expect(error.description == "GitHub refused the JWT of GitHub App 4242 (401: A JSON web token could not be decoded): check that "
            + "GITHUB_APP_PRIVATE_KEY is a key of App 4242 (not another App's, not revoked) and that this machine's clock is right")
        #expect(!error.description.contains("eyJ"))
        #expect(try await standin.appCounters().jwtRejections == 1)
    }

    @Test func aJWTIsRefusedOutsideTheAppRoutes() async throws {
        let standin = try await appStandin()
        defer { standin.stop() }
        let jwt = try GitHubAppJWT(appID: 4242, key: AppTestKeys.appKey()).token(now: Date())
        let github = GitHubClient(baseURL: standin.url, token: jwt, transport: CurlTransport())
        let error = try await #require(throws: GitHubError.self) {
            try await github.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: CommitStatus(state: .pending, context: "prenv/x", description: "x"))
        }
        #expect(error.status == 401)
        #expect(error.message == "A JSON web token could not be decoded")
    }

    static func base64URL(_ text: String) -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64) ?? Data()
    }
}
