import Foundation

/// Locates and reads the official AWS SigV4 test suite kept in the repository's `shared/` folder.
///
/// CI clones the repo with `shared/` beside the checkout, so the folder is found relative to
/// this source file: up to the package root (the folder holding `Package.swift`), then
/// `../shared`. `PRENV_SHARED_DIR` overrides the `shared` folder.
enum SuiteFixtures {
    static let relativeSuitePath = "fixtures/sigv4/aws-sig-v4-test-suite"

    /// Where the suite is expected; the folder may not exist (tests report that as a failure).
    static var suiteDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["PRENV_SHARED_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override).appendingPathComponent(relativeSuitePath)
        }
        return packageRoot.deletingLastPathComponent()
            .appendingPathComponent("shared").appendingPathComponent(relativeSuitePath)
    }

    /// The first ancestor of this file holding `Package.swift`. Symlinks are resolved first so
    /// that a private package linking to these sources still finds the real checkout.
    static var packageRoot: URL {
        let fileManager = FileManager.default
        var directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            if fileManager.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory = directory.deletingLastPathComponent()
        }
        // Fallback: Tests/AWSSigV4Tests/<file> → package root is two levels up.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    static var suiteExists: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: suiteDirectory.path, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }

    /// Every `.req` file below the suite folder, as paths relative to it (sorted).
    static func requestFiles() -> [String] {
        let root = suiteDirectory.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix(".req") { found.append(relative) }
        }
        return found.sorted()
    }

    /// Case names: each directory (relative to the suite root) that holds a `.req` file,
    /// e.g. `get-vanilla` or `normalize-path/get-space`. Empty when the suite is missing.
    static func caseNames() -> [String] {
        let directories = requestFiles().map { relative -> String in
            let parts = relative.split(separator: "/")
            return parts.dropLast().joined(separator: "/")
        }
        return Array(Set(directories)).sorted()
    }

    /// The text of `<case>/<basename>.<ext>`, byte for byte (the files have no trailing newline).
    static func read(_ caseName: String, _ ext: String) throws -> String {
        let base = caseName.split(separator: "/").last.map(String.init) ?? caseName
        let url = suiteDirectory.appendingPathComponent(caseName).appendingPathComponent("\(base).\(ext)")
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    /// The example token quoted at the end of `post-sts-token/readme.txt`.
    static func sessionToken() throws -> String {
        let url = suiteDirectory.appendingPathComponent("post-sts-token/readme.txt")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.last(where: { !$0.isEmpty }) ?? ""
    }
}
