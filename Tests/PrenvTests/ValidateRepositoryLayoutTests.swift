import Foundation
import Testing

/// `prenv validate --repository-layout DIR` run as a process: a repository's `.prenv/` read from disk with
/// the bounds and refusals of reading it from GitHub, each file judged on its own.
@Suite struct ValidateRepositoryLayoutTests {
    static let blueprint = """
    name: preview
    resources:
      pipeline:
        type: aws/codepipeline
        properties:
          name: "${env.name}"
          template: acme-webapp
      site:
        type: aws/cloudformation-stack
        properties:
          stack_name: "${env.name}-site"
          template_file: stacks/site.yaml
          role_arn: arn:aws:iam::123456789012:role/acme-previews-stacks
    """

    static let stack = "Resources:\n  Bucket: { Type: AWS::S3::Bucket }\n"

    /// A fresh folder holding `.prenv/` with `files` (paths relative to `.prenv/`).
    static func layout(_ files: [String: Data]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-layout-\(UUID().uuidString)")
        for (path, data) in files {
            let file = root.appendingPathComponent(".prenv").appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: file)
        }
        return root
    }

    static func run(_ arguments: [String]) async throws -> PrenvBinary.Result {
        try await PrenvBinary.run(["validate"] + arguments, environment: PrenvBinary.isolatedEnvironment([:]))
    }

    @Test func aGoodLayoutIsOK() async throws {
        let root = try Self.layout(["preview.yaml": Data(Self.blueprint.utf8), "stacks/site.yaml": Data(Self.stack.utf8)])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try await Self.run(["--repository-layout", root.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output == ".prenv/preview.yaml: ok (blueprint repo-preview, 2 resources)\n", "\(result.output)")
    }

    @Test func everyFileIsJudgedWithTheReadersRefusals() async throws {
        let root = try Self.layout([
            "a-broken.yaml": Data("name: broken\nresources:\n  x: { type: aws/nothing }\n".utf8),
            "b-good.yaml": Data(Self.blueprint.replacingOccurrences(of: "name: preview", with: "name: good").utf8),
            "c-huge.yaml": Data(repeating: UInt8(ascii: "#"), count: 2 * 1_048_576),
            "d-latin1.yaml": Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xE9]),
            "e-escape.yaml": Data(Self.blueprint.replacingOccurrences(of: "name: preview", with: "name: escape")
                .replacingOccurrences(of: "stacks/site.yaml", with: "stacks/passwd").utf8),
            "stacks/site.yaml": Data(Self.stack.utf8),
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let prenv = root.appendingPathComponent(".prenv")
        try FileManager.default.createSymbolicLink(atPath: prenv.appendingPathComponent("f-link.yaml").path, withDestinationPath: prenv.appendingPathComponent("b-good.yaml").path)
        try FileManager.default.createSymbolicLink(atPath: prenv.appendingPathComponent("stacks/passwd").path, withDestinationPath: "/etc/passwd")

        let result = try await Self.run(["--repository-layout", root.path])
        #expect(result.status == 1, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix(".prenv/a-broken.yaml:3:") && $0.contains("unknown resource type `aws/nothing`") }, "\(result.output)")
        #expect(lines.contains(".prenv/b-good.yaml: ok (blueprint repo-good, 2 resources)"), "\(result.output)")
        #expect(lines.contains(".prenv/c-huge.yaml: error: not read: 2097152 bytes, larger than the 1 MB limit"), "\(result.output)")
        #expect(lines.contains(".prenv/d-latin1.yaml: error: not read: not UTF-8 text"), "\(result.output)")
        #expect(lines.contains(".prenv/e-escape.yaml:12:22: error: template file `stacks/passwd` was not read (`.prenv/stacks/passwd`: a symlink: not followed)"),
                "\(result.output)")
        #expect(lines.contains(".prenv/f-link.yaml: error: not read: a symlink: not followed"), "\(result.output)")
        #expect(lines.contains("5 of 6 blueprint file(s) invalid"), "\(result.output)")
        #expect(!result.output.contains("root:"))
    }

    @Test func aFolderThatCannotBeReadAsAWholeFails() async throws {
        var many: [String: Data] = [:]
        for index in 0...100 { many["stacks/\(index).yaml"] = Data("x".utf8) }
        let crowded = try Self.layout(many)
        defer { try? FileManager.default.removeItem(at: crowded) }
        let result = try await Self.run(["--repository-layout", crowded.path])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains(".prenv: error: the `.prenv` folder of local/repository at working tree was not read: holds more than 100 entries; at most 100 are read"),
                "\(result.output)")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: file, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("name: x".utf8).write(to: file.appendingPathComponent(".prenv"))
        let notAFolder = try await Self.run(["--repository-layout", file.path, "--repository", "acme/webapp"])
        #expect(notAFolder.status == 1)
        #expect(notAFolder.output.contains(".prenv: error: the `.prenv` folder of acme/webapp at working tree was not read: `.prenv` is a file, not a folder"),
                "\(notAFolder.output)")
    }

    @Test func noFolderOrNoBlueprintsIsNotAFailure() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let missing = try await Self.run(["--repository-layout", empty.path])
        #expect(missing.status == 0, "\(missing.output)")
        #expect(missing.output.contains("no .prenv folder"), "\(missing.output)")
        try FileManager.default.createDirectory(at: empty.appendingPathComponent(".prenv"), withIntermediateDirectories: true)
        let none = try await Self.run(["--repository-layout", empty.path])
        #expect(none.status == 0, "\(none.output)")
        #expect(none.output.contains(".prenv: no blueprint files"), "\(none.output)")
    }

    @Test func theOperatorsPolicyAppliesWithConfig() async throws {
        let root = try Self.layout(["preview.yaml": Data(Self.blueprint.utf8), "stacks/site.yaml": Data(Self.stack.utf8)])
        defer { try? FileManager.default.removeItem(at: root) }
        let config = root.appendingPathComponent("prenv.yaml")
        try """
        webhook_secret: do-not-print-me
        repository_blueprints:
          acme/webapp: { enabled: true, allow_types: [aws/codepipeline, aws/cloudformation-stack], allow_templates: [acme-webapp, ".prenv/stacks/*", "arn:aws:iam::123456789012:role/acme-previews-*"] }
          "acme/*": { enabled: true, allow_types: [aws/codepipeline] }
          acme/closed: { enabled: false }
        """.write(to: config, atomically: true, encoding: .utf8)

        let allowed = try await Self.run(["--repository-layout", root.path, "--repository", "ACME/webapp", "--config", config.path])
        #expect(allowed.status == 0, "\(allowed.output)")
        #expect(allowed.output.contains(".prenv/preview.yaml: ok (blueprint repo-preview, 2 resources)"), "\(allowed.output)")

        let restricted = try await Self.run(["--repository-layout", root.path, "--repository", "acme/api", "--config", config.path])
        #expect(restricted.status == 1, "\(restricted.output)")
        #expect(restricted.output.contains(".prenv/preview.yaml:7:17: error: `acme-webapp` (property `template`) is not allowed for blueprints read from acme/api"),
                "\(restricted.output)")
        #expect(restricted.output.contains(".prenv/preview.yaml:9:11: error: resource type `aws/cloudformation-stack` is not allowed"), "\(restricted.output)")

        let closed = try await Self.run(["--repository-layout", root.path, "--repository", "acme/closed", "--config", config.path])
        #expect(closed.status == 1)
        #expect(closed.output.contains("does not enable repository_blueprints for acme/closed"), "\(closed.output)")
        let unlisted = try await Self.run(["--repository-layout", root.path, "--repository", "other/site", "--config", config.path])
        #expect(unlisted.status == 1)
        #expect(unlisted.output.contains("does not enable repository_blueprints for other/site"), "\(unlisted.output)")

        try """
        webhook_secret: do-not-print-me
        repository_blueprints:
          acme/webapp: { enabled: true, from: main }
        """.write(to: config, atomically: true, encoding: .utf8)
        let invalid = try await Self.run(["--repository-layout", root.path, "--repository", "acme/webapp", "--config", config.path])
        #expect(invalid.status == 1)
        #expect(invalid.output.contains("\(config.path):3:39: error: `from` must be `base` or `head`, found `main`"), "\(invalid.output)")
        #expect(!invalid.output.contains("do-not-print-me"))
    }
}
