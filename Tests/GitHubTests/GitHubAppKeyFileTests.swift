import Foundation
import GitHub
import Testing

/// The key file is read defensively: a regular file, at most 64 KiB, and a warning when others can
/// read it; an unknown PEM label is shown only up to its line's end, cut and made printable.
@Suite struct GitHubAppKeyFileTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("prenv-app-\(UUID().uuidString).pem").path
    }

    @Test func aFIFOOrDirectoryIsRefusedWithoutReading() throws {
        let fifo = temporaryPath()
        try #require(mkfifo(fifo, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        let error = try #require(throws: AppKeyError.self) { try GitHubAppKey(file: fifo) }
        #expect(error.description == "GITHUB_APP_PRIVATE_KEY_FILE (\(fifo)) is not a regular file")
        let directory = FileManager.default.temporaryDirectory.path
        let notFile = try #require(throws: AppKeyError.self) { try GitHubAppKey(file: directory) }
        #expect(notFile.problem == "is not a regular file")
    }

    @Test func aFileOver64KiBIsRefused() throws {
        let path = temporaryPath()
        try Data(repeating: 0x41, count: 64 * 1024 + 1).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: AppKeyError.self) { try GitHubAppKey(file: path) }
        #expect(error.problem == "is 65537 bytes, more than a private key's 65536 bytes at most")
    }

    @Test func aGroupOrWorldReadableFileIsWarnedAbout() throws {
        let path = temporaryPath()
        try AppTestKeys.app.pemRepresentation.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let warnings = Locked<[String]>([])
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        _ = try GitHubAppKey(file: path) { message in warnings.withLock { $0.append(message) } }
        #expect(warnings.withLock { $0 } == ["GITHUB_APP_PRIVATE_KEY_FILE (\(path)) is readable by its group or others (mode 644): chmod 600 it"])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        _ = try GitHubAppKey(file: path) { message in warnings.withLock { $0.append(message) } }
        #expect(warnings.withLock { $0.count } == 1, "no warning for 600")
    }

    @Test func anUnknownLabelIsShownUpToItsLineEndOnly() throws {
        let pem = "-----BEGIN OPENSSH PRIVATE KEY\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"
        let error = try #require(throws: AppKeyError.self) { try GitHubAppKey(pem: pem, source: "GITHUB_APP_PRIVATE_KEY") }
        #expect(error.description == "GITHUB_APP_PRIVATE_KEY is a PEM \"OPENSSH PRIVATE KEY\" block, not an RSA private key")
        let long = "-----BEGIN " + String(repeating: "X", count: 100) + "\u{1b}[31m-----\n"
        let cut = try #require(throws: AppKeyError.self) { try GitHubAppKey(pem: long, source: "GITHUB_APP_PRIVATE_KEY") }
        #expect(!cut.description.contains("\u{1b}") && !cut.description.contains(String(repeating: "X", count: 41)), "\(cut)")
    }
}
