import Foundation
import HTTPTransport

/// Admin calls for the stand-in's GitHub App (`infra/github-standin/apps.py`).
extension StandinProcess {
    /// Registers the App: its id, its public key, which installation covers which repositories, and
    /// how long installation tokens last.
    public func configureApp(id: Int, publicKeyPEM: String, installations: [Int: [String]], tokenLifetime: Int = 3600) async throws {
        let body: [String: Any] = [
            "app_id": id, "public_key_pem": publicKeyPEM, "slug": "prenv-test", "token_lifetime": tokenLifetime,
            "installations": Dictionary(uniqueKeysWithValues: installations.map { (String($0.key), $0.value) }),
        ]
        _ = try await checkedAdmin("app", body)
    }

    /// The App is uninstalled from `installation`: its tokens stop working, new ones are refused (404).
    public func uninstallApp(installation: Int) async throws {
        _ = try await checkedAdmin("app/uninstall", ["installation_id": installation])
    }

    /// Writes (POST, PATCH, PUT, DELETE) the stand-in accepted with an installation token.
    public func installationTokenWrites() async throws -> Int {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/app/counters")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:]
        return object["installation_writes"] as? Int ?? -1
    }

    /// Every installation token issued so far expires now (the next request with one gets 401).
    public func expireAppTokens() async throws {
        _ = try await checkedAdmin("app/expire-tokens")
    }

    /// `POST /app/installations/{id}/access_tokens` answered 201, per installation; and JWTs refused.
    public func appCounters() async throws -> (tokenRequests: [Int: Int], jwtRejections: Int) {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/app/counters")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:]
        let requests = (object["token_requests"] as? [String: Int] ?? [:]).reduce(into: [Int: Int]()) { result, entry in
            if let id = Int(entry.key) { result[id] = entry.value }
        }
        return (requests, object["jwt_rejections"] as? Int ?? -1)
    }

    /// `admin`, failing unless the stand-in answered 200.
    func checkedAdmin(_ path: String, _ body: [String: Any] = [:]) async throws -> Data {
        let request = HTTPRequest(method: "POST", url: url.appendingPathComponent("_standin/\(path)"),
                                  headers: ["Content-Type": "application/json"], body: try JSONSerialization.data(withJSONObject: body))
        let response = try await CurlTransport().send(request)
        guard response.status == 200 else {
            throw ServiceProcess.StartFailed(description: "stand-in admin \(path) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return response.body
    }
}
