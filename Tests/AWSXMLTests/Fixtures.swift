import Foundation

/// Finds the shared AWS response samples.
///
/// Layout: the repository checkout has `shared/` beside it (`<checkout>/../shared/fixtures/…`), both on
/// developer machines and in CI. `PRENV_SHARED_DIR` overrides the `shared` folder's location. A missing
/// sample is a test failure that says where it looked, never a silent skip.
enum Fixtures {
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "AWS response fixture not found at \(path). Expected `shared/` beside the checkout "
                + "(found by walking up from this test file to Package.swift), or set PRENV_SHARED_DIR."
        }
    }

    /// The `shared` folder: `$PRENV_SHARED_DIR`, else `<folder with Package.swift>/../shared`.
    static func sharedDirectory(testFile: String = #filePath) -> URL {
        if let override = ProcessInfo.processInfo.environment["PRENV_SHARED_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        // Resolving symlinks makes a scratch package that links this folder in still find the real checkout.
        var directory = URL(fileURLWithPath: testFile).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                break
            }
            directory.deleteLastPathComponent()
        }
        return directory.deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
    }

    /// `shared/fixtures/aws-responses/<relative>`.
    static func url(_ relative: String) -> URL {
        sharedDirectory().appendingPathComponent("fixtures/aws-responses/" + relative)
    }

    /// The bytes of one sample, e.g. `data("cloudformation/CreateStack.response.xml")`.
    static func data(_ relative: String) throws -> Data {
        let url = url(relative)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw Missing(path: url.path) }
        return data
    }

    /// File names in one sample folder, sorted.
    static func files(in folder: String) throws -> [String] {
        let url = url(folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path), !names.isEmpty else {
            throw Missing(path: url.path)
        }
        return names.filter { $0.hasSuffix(".xml") }.sorted()
    }
}
