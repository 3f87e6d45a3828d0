import Foundation
import Testing
@testable import Blueprint
import SeededRandom
import Providers

/// Paths and helpers shared by the suites.
enum Fixtures {
    /// The kinds prenv ships: the blueprints under test use them.
    static let kinds = ProviderKind.all.resourceKinds

    /// `/…/blueprints`, found from the real path of this file so it works when the test folder is
    /// reached through a symlink (the isolated build package links to the repository's folders).
    static var blueprintsDirectory: String {
        let here = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("blueprints").path
    }

    /// The diagnostics of `yaml` as printed, or `[]` when it loads.
    static func diagnostics(_ yaml: String, file: String = "bp.yaml", baseDirectory: String? = nil) -> [String] {
        do {
            _ = try BlueprintLoader.parse(yaml: yaml, file: file, baseDirectory: baseDirectory ?? blueprintsDirectory, kinds: kinds)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    /// Loads `yaml`, recording an issue (with every diagnostic) if it does not load.
    static func blueprint(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Blueprint? {
        do {
            return try BlueprintLoader.parse(yaml: yaml, file: "bp.yaml", baseDirectory: blueprintsDirectory, kinds: kinds)
        } catch {
            Issue.record("unexpected diagnostics:\n\(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    static let context = PRContext(
        owner: "acme", repository: "site", number: 5, headSHA: "0123456789abcdef0123456789abcdef01234567",
        headRef: "feature/login", baseRef: "main", author: "octocat"
    )
}

