#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Blueprint
import Foundation
import Yams

/// A folder laid out as a repository (`prenv validate --repository-layout DIR`), read the way prenv reads a
/// repository's `.prenv/` from GitHub: the same bounds and the same refusals, so what passes in the
/// repository's own CI is what the server will accept.
public enum RepositoryLayout {
    /// Entries (files and folders, at any depth) read at most; more is a problem for the whole folder.
    public static let maxEntries = 100
    /// Files larger than this are refused unread (GitHub's contents API serves files inline up to 1 MB).
    public static let maxFileBytes = 1_048_576
    /// When `--repository` is not given.
    public static let defaultRepository = "local/repository"

    /// `DIR/.prenv/` as a snapshot: symlinks are refused (checked with `lstat` and opened with `O_NOFOLLOW`,
    /// never followed), as are files over `maxFileBytes`, anything that is not a regular file, and text that is
    /// not UTF-8; more than `maxEntries` entries make the whole folder a problem.
    public static func snapshot(directory: String, repository: String = defaultRepository) -> RepositorySnapshot {
        let folder = RepositorySnapshot.directory
        var snapshot = RepositorySnapshot(repository: repository, ref: "working tree")
        let root = (directory as NSString).appendingPathComponent(folder)
        switch fileType(root) {
        case nil:
            snapshot.exists = false
            return snapshot
        case S_IFDIR?:
            break
        case S_IFLNK?:
            snapshot.problem = "`\(folder)` is a symlink: not followed"
            return snapshot
        default:
            snapshot.problem = "`\(folder)` is a file, not a folder"
            return snapshot
        }
        var pending = [(path: folder, disk: root)]
        var entries = 0
        while let next = pending.popLast() {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: next.disk).sorted()
            } catch {
                snapshot.refused[next.path] = "cannot be listed"
                continue
            }
            entries += names.count
            if entries > maxEntries {
                snapshot.problem = "holds more than \(maxEntries) entries; at most \(maxEntries) are read"
                snapshot.files = [:]
                snapshot.refused = [:]
                return snapshot
            }
            for name in names {
                let path = next.path + "/" + name
                let disk = (next.disk as NSString).appendingPathComponent(name)
                switch fileType(disk) {
                case S_IFDIR?: pending.append((path, disk))
                case S_IFLNK?: snapshot.refused[path] = "a symlink: not followed"
                case S_IFREG?:
                    switch read(disk) {
                    case let .success(text): snapshot.files[path] = text
                    case let .failure(refusal): snapshot.refused[path] = refusal.reason
                    }
                default: snapshot.refused[path] = "not a regular file"
                }
            }
        }
        return snapshot
    }

    /// The type bits of `lstat`: a symlink is reported as one, never as what it points to.
    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    struct Refusal: Error {
        var reason: String
    }

    /// Opens with `O_NOFOLLOW` (a file swapped for a symlink after `lstat` is not followed either) and reads at
    /// most `maxFileBytes` + 1 bytes.
    static func read(_ path: String) -> Result<String, Refusal> {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Refusal(reason: errno == ELOOP ? "a symlink: not followed" : "cannot be read")) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return .failure(Refusal(reason: "not a regular file")) }
        guard info.st_size <= maxFileBytes else {
            return .failure(Refusal(reason: "\(info.st_size) bytes, larger than the 1 MB limit"))
        }
        var bytes = [UInt8](repeating: 0, count: maxFileBytes + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                systemRead(descriptor, buffer.baseAddress.map { $0 + count }, buffer.count - count)
            }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { return .failure(Refusal(reason: "cannot be read")) }
            if got == 0 { break }
            count += got
        }
        guard count <= maxFileBytes else { return .failure(Refusal(reason: "larger than the 1 MB limit")) }
        guard let text = String(validating: bytes[..<count], as: UTF8.self) else { return .failure(Refusal(reason: "not UTF-8 text")) }
        return .success(text)
    }

    /// The operator's policy for `repository` from the `repository_blueprints:` section of a `--config` file;
    /// `nil` when the section has no entry for it. Other settings in the file are the server's and not looked at.
    /// Errors never quote the file's lines: the same file may hold the webhook secret.
    public static func policy(configPath: String, repository: String) throws(StartupError) -> RepositoryBlueprintPolicy? {
        guard let text = try? String(contentsOfFile: configPath, encoding: .utf8) else {
            throw StartupError("cannot read the config file \(configPath)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw StartupError(ServeSettings.describe(error, path: configPath))
        }
        guard let root, case let .mapping(mapping) = root else { return nil }
        guard let section = mapping.first(where: { $0.key.string == "repository_blueprints" })?.value else { return nil }
        do {
            return try RepositoryBlueprintSettings.decode(section, file: configPath).policy(for: repository)
        } catch {
            throw StartupError("invalid `repository_blueprints` in \(configPath)", diagnostics: error.diagnostics.map(\.description))
        }
    }
}

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif
