import _CryptoExtras
import Foundation
import TestServices
import Testing

/// `prenv doctor` with a GitHub App configured, against the stand-in. No AWS is configured, so the
/// run fails on the region; the GitHub lines are what these tests read.
@Suite struct DoctorGitHubAppTests {
    static let key: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let stranger: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    /// - Parameter blueprints: a folder of blueprints (default: an empty one, so no repository check).
    func doctor(_ standin: StandinProcess, key: String, blueprints: String? = nil, extra: [String: String] = [:]) async throws -> PrenvBinary.Result {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-doctor-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        return try await PrenvBinary.run(["doctor"], environment: PrenvBinary.isolatedEnvironment([
            "GITHUB_APP_ID": "4242", "GITHUB_APP_PRIVATE_KEY": key, "GITHUB_API_URL": standin.url.absoluteString,
            "PRENV_BLUEPRINTS": blueprints ?? empty,
        ].merging(extra) { $1 }))
    }

    @Test func theRepositoriesBlueprintsNameAreCheckedForTheApp() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.configureApp(id: 4242, publicKeyPEM: Self.key.publicKey.pemRepresentation, installations: [11: ["acme/webapp"]])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-doctor-bp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let blueprint = """
            name: webapp
            on:
              repositories: ["acme/webapp", "acme/api", "acme/tools-*"]
            resources:
              artifacts:
                type: aws/s3-prefix
                properties:
                  bucket: acme-previews
                  prefix: "${repo.name}/pr-${pr.number}/"
            """
        try blueprint.write(toFile: folder + "/webapp.yaml", atomically: true, encoding: .utf8)
        let result = try await doctor(standin, key: Self.key.pemRepresentation, blueprints: folder)
        #expect(result.output.contains("app-repos      fail  not installed on acme/api (named in \(folder)); installed on 1 other(s)"), "\(result.output)")
        #expect(result.output.contains("check(s) failed: region, app-repos"), "\(result.output)")
    }

    @Test func theAppIsAcceptedAndItsInstallationsCounted() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.configureApp(id: 4242, publicKeyPEM: Self.key.publicKey.pemRepresentation,
                                       installations: [11: ["acme/webapp"], 12: ["other/site"]])
        let result = try await doctor(standin, key: Self.key.pemRepresentation, extra: ["GITHUB_TOKEN": "ghp_unusedtoken"])
        #expect(result.output.contains("github         skip  GITHUB_TOKEN is set but unused: the GitHub App 4242 authenticates instead"), "\(result.output)")
        #expect(result.output.contains("github-app     ok    \(standin.url.absoluteString): JWT accepted for App prenv-test (id 4242)"), "\(result.output)")
        #expect(result.output.contains("installations  ok    2 installation(s): acme, other"), "\(result.output)")
        #expect(result.output.contains("check(s) failed: region"), "only AWS fails:\n\(result.output)")
        #expect(!result.output.contains("ghp_unusedtoken"))
        #expect(!result.output.contains("MII"))
    }

    @Test func aWrongKeyFailsWithAUsefulLine() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.configureApp(id: 4242, publicKeyPEM: Self.key.publicKey.pemRepresentation, installations: [11: ["acme/webapp"]])
        let result = try await doctor(standin, key: Self.stranger.pemRepresentation)
        #expect(result.status == 1)
        #expect(result.output.contains("github-app     fail  GET /app: GitHub refused the JWT of GitHub App 4242 (401: A JSON web token could not be decoded): "
            + "check that GITHUB_APP_PRIVATE_KEY is a key of App 4242"), "\(result.output)")
        #expect(result.output.contains("installations  skip  the App's JWT was not accepted"), "\(result.output)")
        #expect(result.output.contains("check(s) failed: region, github-app"), "\(result.output)")
        #expect(!result.output.contains("eyJ"), "no JWT in the output")
    }

    @Test func aPublicKeyInsteadOfThePrivateKeyIsNamed() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let result = try await doctor(standin, key: Self.key.publicKey.pemRepresentation)
        #expect(result.output.contains("github-app     fail  the GitHub App's private key: GITHUB_APP_PRIVATE_KEY is a public key (BEGIN PUBLIC KEY)"),
                "\(result.output)")
        #expect(!result.output.contains(Self.key.publicKey.pemRepresentation.split(separator: "\n")[1]))
    }
}
