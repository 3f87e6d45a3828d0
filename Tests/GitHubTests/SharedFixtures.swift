import Foundation
import Testing

/// Locates `shared/` (fixtures kept outside the repository): `PRENV_SHARED_DIR`, else `../shared`
/// next to the package root found from this file's real path (symlinks resolved, so isolated
/// build folders that link the sources in still find it). Missing fixtures fail loudly.
enum SharedFixtures {
    static func directory(filePath: String = #filePath) throws -> URL {
        if let override = ProcessInfo.processInfo.environment["PRENV_SHARED_DIR"], !override.isEmpty {
            return try existing(URL(fileURLWithPath: override), how: "PRENV_SHARED_DIR")
        }
        var dir = URL(fileURLWithPath: filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return try existing(dir.deletingLastPathComponent().appendingPathComponent("shared"), how: "../shared beside the package")
            }
            dir.deleteLastPathComponent()
        }
        throw FixtureError(description: "no Package.swift above \(filePath); set PRENV_SHARED_DIR to the shared/ folder")
    }

    static func url(_ relative: String) throws -> URL {
        try directory().appendingPathComponent(relative)
    }

    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: url(relative))
    }

    /// Every `*.json` file in a fixtures folder, sorted, failing when there are none.
    static func jsonFiles(in relative: String) throws -> [URL] {
        let folder = try url(relative)
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !files.isEmpty else { throw FixtureError(description: "no JSON fixtures in \(folder.path)") }
        return files
    }

    private static func existing(_ url: URL, how: String) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FixtureError(description: "shared fixtures not found at \(url.path) (\(how)); set PRENV_SHARED_DIR")
        }
        return url
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}
