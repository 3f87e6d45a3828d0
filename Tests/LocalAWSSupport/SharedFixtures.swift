import Foundation

/// Locates `../shared/fixtures` beside the checkout (or `PRENV_SHARED_DIR`), failing loudly when absent.
public enum SharedFixtures {
    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "shared fixtures not found at \(path); set PRENV_SHARED_DIR to the shared/ folder" }
    }

    public static var root: URL {
        if let override = ProcessInfo.processInfo.environment["PRENV_SHARED_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override).appendingPathComponent("fixtures")
        }
        // Tests/LocalAWSSupport/SharedFixtures.swift → package root → ../shared/fixtures
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }

    public static func data(_ relativePath: String) throws -> Data {
        let url = root.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: url.path) }
        return try Data(contentsOf: url)
    }
}
