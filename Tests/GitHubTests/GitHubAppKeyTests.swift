import _CryptoExtras
import Crypto
import Foundation
import GitHub
import HTTPTransport
import Testing

/// The App's private key as users paste it: GitHub's PKCS#1 download, PKCS#8, one-line `\n`-escaped
/// PEM; and every wrong thing they paste instead, each refused naming where it came from and what
/// it is, never quoting it.
@Suite struct GitHubAppKeyTests {
    @Test func acceptsPKCS1AsGitHubIssuesIt() throws {
        let pem = AppTestKeys.app.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        _ = try GitHubAppKey(pem: pem, source: "GITHUB_APP_PRIVATE_KEY")
    }

    @Test func acceptsPKCS8() throws {
        let pem = AppTestKeys.app.pkcs8PEMRepresentation
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        _ = try GitHubAppKey(pem: pem, source: "GITHUB_APP_PRIVATE_KEY")
    }

    @Test func acceptsOneLineEscapedPEMAndCRLF() throws {
        let pem = AppTestKeys.app.pemRepresentation
        _ = try GitHubAppKey(pem: pem.replacingOccurrences(of: "\n", with: "\\n"), source: "GITHUB_APP_PRIVATE_KEY")
        _ = try GitHubAppKey(pem: pem.replacingOccurrences(of: "\n", with: "\r\n"), source: "GITHUB_APP_PRIVATE_KEY")
    }

    @Test func readsTheKeyFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-app-\(UUID().uuidString).pem").path
        try AppTestKeys.app.pemRepresentation.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try GitHubAppKey(file: path)
    }

    static let badKeys: [(name: String, pem: String, problem: String)] = [
        ("public key", AppTestKeys.app.publicKey.pemRepresentation, "is a public key (BEGIN PUBLIC KEY); prenv needs the App's private key"),
        ("EC key, SEC 1", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n",
         "is an EC key (BEGIN EC PRIVATE KEY); GitHub Apps sign with RSA keys"),
        ("EC key, PKCS#8", P256.Signing.PrivateKey().pemRepresentation,
         "is not a readable RSA private key of at least 2048 bits (a PKCS#8 key of another type, or damaged PEM)"),
        ("certificate", "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQk9HVVNDRVJUSUZJQ0FURQ==\n-----END CERTIFICATE-----\n",
         "is a certificate (BEGIN CERTIFICATE), not the App's private key"),
        ("garbage", "not a key at all, just some secret-looking text", "is not a PEM key (no -----BEGIN …----- line)"),
        ("empty", "  \n", "is empty"),
        ("damaged PKCS#1", String(AppTestKeys.app.pemRepresentation.dropLast(200)) + "\n-----END RSA PRIVATE KEY-----\n",
         "is not a readable RSA private key of at least 2048 bits (damaged PEM?)"),
    ]

    @Test(arguments: 0..<badKeys.count)
    func badKeyIsRefusedNamingTheVariableWithoutItsText(_ index: Int) throws {
        let bad = Self.badKeys[index]
        let error = try #require(throws: AppKeyError.self, "\(bad.name)") { try GitHubAppKey(pem: bad.pem, source: "GITHUB_APP_PRIVATE_KEY") }
        #expect(error.description == "GITHUB_APP_PRIVATE_KEY \(bad.problem)", "\(bad.name)")
        for line in bad.pem.split(separator: "\n") where line.count > 8 && !line.hasPrefix("-----") {
            #expect(!error.description.contains(line), "\(bad.name): the error quotes the key")
        }
    }

    @Test func emptyOrMissingFileNamesTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-app-\(UUID().uuidString).pem").path
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let empty = try #require(throws: AppKeyError.self) { try GitHubAppKey(file: path) }
        #expect(empty.description == "GITHUB_APP_PRIVATE_KEY_FILE (\(path)) is empty")
        let missing = try #require(throws: AppKeyError.self) { try GitHubAppKey(file: path + ".gone") }
        #expect(missing.description == "GITHUB_APP_PRIVATE_KEY_FILE (\(path).gone) cannot be read (missing, or not readable by this user)")
    }

    @Test func credentialsDescribeThemselvesRedacted() throws {
        let token = PersonalAccessToken("ghp_secretvalue123")
        let key = try AppTestKeys.appKey()
        let credential = GitHubAppCredential(api: GitHubAppAPI(jwt: GitHubAppJWT(appID: 7, key: key), transport: NoTransport()))
        var dumped = ""
        dump(token, to: &dumped)
        dump(key, to: &dumped)
        for text in ["\(token)", String(reflecting: token), dumped, "\(key)", String(reflecting: key), "\(credential)"] {
            #expect(text.contains("<redacted>"), "\(text)")
            #expect(!text.contains("ghp_secretvalue123"))
            #expect(!text.contains("MII"))
        }
    }
}

/// For values that must never send anything.
struct NoTransport: HTTPSender {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        Issue.record("unexpected request \(request.method) \(request.url)")
        return HTTPResponse(status: 599, headers: [:], body: Data())
    }
}
