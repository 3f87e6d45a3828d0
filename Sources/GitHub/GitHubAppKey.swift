import _CryptoExtras
import Foundation
import UntrustedText

/// A GitHub App's private key, read once at start. GitHub hands out PKCS#1 (`BEGIN RSA PRIVATE
/// KEY`); PKCS#8 (`BEGIN PRIVATE KEY`) is accepted too, as is PEM whose line breaks were written
/// as `\n` (how a multi-line secret often ends up in one environment variable). Anything else is an
/// `AppKeyError` naming where the key came from and what it looks like, never a byte of it.
public struct GitHubAppKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let key: _RSA.Signing.PrivateKey

    /// - Parameter source: where `pem` came from, for errors: `GITHUB_APP_PRIVATE_KEY` or
    ///   `GITHUB_APP_PRIVATE_KEY_FILE (/path)`.
    public init(pem: String, source: String) throws(AppKeyError) {
        var text = pem.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.contains("\n"), text.contains("\\n") { text = text.replacingOccurrences(of: "\\n", with: "\n") }
        text = text.replacingOccurrences(of: "\r\n", with: "\n")
        guard !text.isEmpty else { throw AppKeyError(source: source, problem: "is empty") }
        guard let label = Self.label(of: text) else {
            throw AppKeyError(source: source, problem: "is not a PEM key (no -----BEGIN …----- line)")
        }
        switch label {
        case "RSA PRIVATE KEY", "PRIVATE KEY":
            break
        case "PUBLIC KEY", "RSA PUBLIC KEY":
            throw AppKeyError(source: source, problem: "is a public key (BEGIN \(label)); prenv needs the App's private key")
        case "EC PRIVATE KEY":
            throw AppKeyError(source: source, problem: "is an EC key (BEGIN EC PRIVATE KEY); GitHub Apps sign with RSA keys")
        case "CERTIFICATE":
            throw AppKeyError(source: source, problem: "is a certificate (BEGIN CERTIFICATE), not the App's private key")
        case "ENCRYPTED PRIVATE KEY":
            throw AppKeyError(source: source, problem: "is encrypted (BEGIN ENCRYPTED PRIVATE KEY); give the key GitHub generated, unencrypted")
        default:
            // The label is read up to the next `-----`: without one it runs into the key's lines.
            let shown = UntrustedText.printable(String(label.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""), limit: 40)
            throw AppKeyError(source: source, problem: "is a PEM \"\(shown)\" block, not an RSA private key")
        }
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: text)
        } catch {
            // BoringSSL's error says nothing a user can act on, and must not be echoed with the text.
            throw AppKeyError(source: source, problem: label == "PRIVATE KEY"
                ? "is not a readable RSA private key of at least 2048 bits (a PKCS#8 key of another type, or damaged PEM)"
                : "is not a readable RSA private key of at least 2048 bits (damaged PEM?)")
        }
    }

    /// The largest key file read: an RSA-4096 PEM is about 3.3 KB.
    public static let maxFileBytes = 64 * 1024

    /// The key from `GITHUB_APP_PRIVATE_KEY_FILE` at `path`: a regular file of at most
    /// `maxFileBytes` (a FIFO or `/dev/zero` named by mistake must not hang or fill memory).
    /// `warn` hears when the file is readable by its group or others.
    public init(file path: String, variable: String = "GITHUB_APP_PRIVATE_KEY_FILE", warn: (String) -> Void = { _ in }) throws(AppKeyError) {
        let source = "\(variable) (\(path))"
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw AppKeyError(source: source, problem: "cannot be read (missing, or not readable by this user)")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw AppKeyError(source: source, problem: "is not a regular file")
        }
        if let size = (attributes[.size] as? NSNumber)?.intValue, size > Self.maxFileBytes {
            throw AppKeyError(source: source, problem: "is \(size) bytes, more than a private key's \(Self.maxFileBytes) bytes at most")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            warn("\(source) is readable by its group or others (mode \(String(mode & 0o777, radix: 8))): chmod 600 it")
        }
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.read(upToCount: Self.maxFileBytes + 1) ?? Data() else {
            throw AppKeyError(source: source, problem: "cannot be read (missing, or not readable by this user)")
        }
        try? handle.close()
        guard data.count <= Self.maxFileBytes else {
            throw AppKeyError(source: source, problem: "is more than a private key's \(Self.maxFileBytes) bytes at most")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw AppKeyError(source: source, problem: "is not text (a DER file? GitHub's download is PEM)")
        }
        try self.init(pem: text, source: source)
    }

    /// The `X` of the first `-----BEGIN X-----` line.
    static func label(of text: String) -> String? {
        guard let start = text.range(of: "-----BEGIN ") else { return nil }
        guard let end = text.range(of: "-----", range: start.upperBound..<text.endIndex) else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }

    public var description: String { "GitHubAppKey(<redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// The App's private key could not be used: which variable or file, and what is wrong with it.
public struct AppKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var problem: String

    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
    }

    public var description: String { "\(source) \(problem)" }
}
