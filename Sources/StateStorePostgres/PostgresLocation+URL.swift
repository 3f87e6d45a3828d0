import Foundation

/// A `postgres://` `--state` value this build cannot use: the URL as `PostgresLocation.redacted`
/// shows it (never a password, never a raw control character) and what to write instead.
public struct PostgresURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Already redacted.
    public var url: String
    public var reason: String

    public init(url: String, reason: String) {
        self.url = PostgresLocation.redacted(url)
        self.reason = reason
    }

    /// A problem with the password's source (`PGPASSWORD`, `PRENV_STATE_PASSWORD_FILE`), not the URL.
    init(redactedURL: String, reason: String) {
        self.url = redactedURL
        self.reason = reason
    }

    public var description: String { "invalid --state '\(url)': \(reason)" }
}

extension PostgresLocation {
    /// The file `PRENV_STATE_PASSWORD_FILE` names holds the password on its first line.
    public static let passwordFileVariable = "PRENV_STATE_PASSWORD_FILE"
    /// A password file larger than this is not a password file (a key, a log, `/dev/zero` named by mistake).
    public static let maxPasswordFileBytes = 4096
    /// Longer `--state` values are cut in errors: the value may be anything, and an error is one line.
    static let maxShownLength = 200

    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…]` (or `postgresql://`), the forms libpq
    /// reads, narrowed to what prenv needs:
    /// - user, password and database are percent-decoded; the user and the database are required;
    /// - the host is a name, an IPv4 address or `[IPv6]`; no Unix sockets, no host lists;
    /// - the port is 1…65535, 5432 when absent;
    /// - the one query parameter is `sslmode`: `disable`, `require` or `verify-full`, by default
    ///   `disable` for a loopback host and `require` for any other. Any other parameter is refused,
    ///   so a typo (`sslmod=require`) or an injected `host=` cannot silently change where prenv
    ///   connects or weaken its TLS.
    ///
    /// The password is the URL's, else `PGPASSWORD`'s, else the first line of the file
    /// `PRENV_STATE_PASSWORD_FILE` names, else none (trust or certificate authentication).
    /// - Parameter warn: hears what works but should be fixed (a password file others may read).
    public static func parse(
        _ url: String, environment: [String: String], warn: (String) -> Void = { _ in }
    ) throws(PostgresURLError) -> PostgresLocation {
        func refuse(_ reason: String) -> PostgresURLError { PostgresURLError(url: url, reason: reason) }
        guard !url.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw refuse("contains a control character (a line break pasted with it?)")
        }
        guard let schemeEnd = url.range(of: "://") else { throw refuse("not a postgres://USER@HOST/DB URL") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            // The text before `://` may hold a password when the value is mangled: named only when
            // it looks like a scheme.
            throw refuse("unknown scheme\(isSchemeLike(Substring(scheme)) ? " '\(scheme)'" : ""); write postgres://USER@HOST/DB")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        if rest.contains("#") { throw refuse("a fragment (#…) has no meaning here; percent-encode # in a password as %23") }

        var query: Substring = ""
        if let questionMark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
            if query.contains("@") { throw refuse("a '?' before the '@'; percent-encode '?' in a password as %3F") }
        }
        // The user info ends at the last `@` before the path: a raw `@` in a password is taken as
        // part of it, as browsers do, although it should be written %40.
        let pathStart = rest.lastIndex(of: "@").flatMap { at in rest[at...].firstIndex(of: "/") } ?? rest.firstIndex(of: "/")
        guard let pathStart else { throw refuse("no database; write postgres://USER@HOST/DB") }
        let authority = rest[..<pathStart]
        let path = rest[rest.index(after: pathStart)...]

        guard let at = authority.lastIndex(of: "@") else { throw refuse("no user; write postgres://USER@HOST/DB") }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]
        let rawUser = userInfo.firstIndex(of: ":").map { userInfo[..<$0] } ?? userInfo
        let rawPassword = userInfo.firstIndex(of: ":").map { userInfo[userInfo.index(after: $0)...] }

        let user = try decode(rawUser, "the user", url: url)
        guard !user.isEmpty else { throw refuse("no user; write postgres://USER@HOST/DB") }
        try requirePrintable(user, "the user", url: url)
        let urlPassword = try rawPassword.map { raw throws(PostgresURLError) in try decode(raw, "the password", url: url) }
        if let urlPassword, urlPassword.unicodeScalars.contains("\0") { throw refuse("the password contains a NUL character") }

        let (host, port) = try hostAndPort(hostPort, url: url)
        let database = try decode(path, "the database", url: url)
        guard !database.isEmpty else { throw refuse("no database; write postgres://USER@HOST/DB") }
        guard !path.contains("/") else { throw refuse("the database name contains '/'; percent-encode it as %2F if it is meant") }
        try requirePrintable(database, "the database", url: url)

        let tls = try tlsMode(query, host: host, url: url)
        let password: String?
        if let urlPassword, !urlPassword.isEmpty {
            password = urlPassword
        } else if let variable = environment["PGPASSWORD"], !variable.isEmpty {
            guard !variable.unicodeScalars.contains("\0") else {
                throw PostgresURLError(redactedURL: redacted(url), reason: "PGPASSWORD contains a NUL character")
            }
            password = variable
        } else if let file = environment[passwordFileVariable], !file.isEmpty {
            password = try readPasswordFile(file, url: url, warn: warn)
        } else {
            password = nil
        }
        return PostgresLocation(host: host, port: port, user: user, password: password, database: database, tls: tls)
    }

    /// `HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT`.
    static func hostAndPort(_ text: Substring, url: String) throws(PostgresURLError) -> (String, Int) {
        func refuse(_ reason: String) -> PostgresURLError { PostgresURLError(url: url, reason: reason) }
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw refuse("an IPv6 host needs its closing ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw refuse("expected ':PORT' after the IPv6 host's ']'") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.contains(":") else {
                throw refuse("the host in [ ] is not an IPv6 address")
            }
        } else {
            if text.contains(",") { throw refuse("several hosts are not supported; name one (a load balancer or the primary)") }
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text
            }
            guard !host.isEmpty else { throw refuse("no host; write postgres://USER@HOST/DB (Unix sockets are not supported)") }
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }) else {
                throw refuse("the host must be a name, an IPv4 address or [IPv6]")
            }
        }
        var port = 5432
        if let portText {
            // The value is not repeated: what stands after a colon may be a password missing its `@`.
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(portText),
                  (1...65535).contains(number)
            else { throw refuse("the port must be a number from 1 to 65535") }
            port = number
        }
        return (host.lowercased(), port)
    }

    /// `sslmode` is the only parameter; its default depends on whether `host` is this machine.
    static func tlsMode(_ query: Substring, host: String, url: String) throws(PostgresURLError) -> TLSMode {
        func refuse(_ reason: String) -> PostgresURLError { PostgresURLError(url: url, reason: reason) }
        var mode: TLSMode?
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0], "a query parameter's name", url: url).lowercased()
            guard name == "sslmode" else {
                // Named only when it looks like a name: `password%3Dhunter2` decodes to a secret.
                let named = name.count <= 40 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
                throw refuse("unknown parameter\(named ? " '\(name)'" : ""); the only one prenv reads is sslmode (disable, require or verify-full)")
            }
            guard mode == nil else { throw refuse("sslmode is given twice") }
            let value = parts.count == 2 ? try decode(parts[1], "sslmode", url: url).lowercased() : ""
            switch value {
            case "prefer", "allow":
                throw refuse("sslmode=\(value) may fall back to an unencrypted connection without saying so; "
                    + "write sslmode=require (encrypted), sslmode=verify-full (encrypted, server verified) or sslmode=disable")
            case "verify-ca":
                throw refuse("sslmode=verify-ca is not supported (it checks the chain but not the host name); write sslmode=verify-full")
            default:
                guard let known = TLSMode(rawValue: value) else {
                    throw refuse("sslmode must be disable, require or verify-full, not '\(escaped(value, limit: 40))'")
                }
                mode = known
            }
        }
        return mode ?? (isLoopback(host) ? .disable : .require)
    }

    /// `localhost`, 127.0.0.0/8 or ::1: a connection that never leaves the machine.
    public static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { $0.count <= 3 && UInt8($0) != nil }
    }

    /// The first line of the password file, read the way `GitHubAppKey` reads the App's key: a regular
    /// file of bounded size, a warning when others may read it, errors naming the variable and the
    /// path and never a byte of the contents.
    static func readPasswordFile(_ path: String, url: String, warn: (String) -> Void) throws(PostgresURLError) -> String {
        let source = "\(passwordFileVariable) (\(escaped(path, limit: 200)))"
        func refuse(_ problem: String) -> PostgresURLError { PostgresURLError(redactedURL: redacted(url), reason: "\(source) \(problem)") }
        // Followed: Kubernetes mounts a secret as a symbolic link into `..data/`.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target) else {
            throw refuse("cannot be read (missing, or not readable by this user)")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw refuse("is not a regular file") }
        if let size = (attributes[.size] as? NSNumber)?.intValue, size > maxPasswordFileBytes {
            throw refuse("is \(size) bytes, more than a password file's \(maxPasswordFileBytes) at most")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            warn("\(source) is readable by its group or others (mode \(String(mode & 0o777, radix: 8))): chmod 600 it")
        }
        guard let handle = FileHandle(forReadingAtPath: target), let data = try? handle.read(upToCount: maxPasswordFileBytes + 1) ?? Data() else {
            throw refuse("cannot be read (missing, or not readable by this user)")
        }
        try? handle.close()
        guard data.count <= maxPasswordFileBytes else { throw refuse("is more than a password file's \(maxPasswordFileBytes) bytes at most") }
        guard let text = String(data: data, encoding: .utf8) else { throw refuse("is not UTF-8 text") }
        // Up to the first line break: `\n`, `\r\n` (one Character in Swift) or `\r`.
        let line = text.prefix { !$0.isNewline }
        guard !line.isEmpty else { throw refuse("has an empty first line; write the password there") }
        guard !line.unicodeScalars.contains("\0") else { throw refuse("contains a NUL character") }
        return String(line)
    }

    /// Percent-decodes one part; `%` not followed by two hex digits is refused (naming the part only).
    static func decode(_ text: Substring, _ what: String, url: String) throws(PostgresURLError) -> String {
        guard text.contains("%") else { return String(text) }
        guard let decoded = text.removingPercentEncoding else {
            throw PostgresURLError(url: url, reason: "\(what) has a '%' that is not followed by two hex digits (write %25 for '%')")
        }
        return decoded
    }

    /// User and database names end up in log lines: no control characters, even encoded ones.
    static func requirePrintable(_ text: String, _ what: String, url: String) throws(PostgresURLError) {
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw PostgresURLError(url: url, reason: "\(what) contains a control character")
        }
    }

    /// `url` as errors and logs may show it: a password in the user info replaced by `<redacted>`,
    /// query values other than `sslmode`'s likewise, control characters escaped, and at most
    /// `maxShownLength` characters. Over-redacting is preferred to guessing: everything from the
    /// first `:` after the scheme to the last `@` goes, so an unencoded `/`, `?` or `@` in a password
    /// cannot make part of it show.
    public static func redacted(_ url: String) -> String {
        var shown = url
        if let schemeEnd = url.range(of: "://"), isSchemeLike(url[..<schemeEnd.lowerBound]) {
            let rest = url[schemeEnd.upperBound...]
            var redactedRest = String(rest)
            if let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                redactedRest = String(rest[..<colon]) + ":<redacted>" + rest[at...]
            } else {
                // No password before an `@`; but in `postgres://prenv:s3cr3t/db` the "port" may be a
                // password missing its `@HOST`: anything but digits after the host's `:` goes too.
                let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
                let authority = rest[..<end]
                var hostPart = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
                if hostPart.hasPrefix("["), let close = hostPart.firstIndex(of: "]") { hostPart = hostPart[close...] }
                if let colon = hostPart.firstIndex(of: ":"), !hostPart[hostPart.index(after: colon)...].allSatisfy({ $0.isASCII && $0.isNumber }) {
                    redactedRest = String(rest[..<colon]) + ":<redacted>" + rest[end...]
                }
            }
            if let question = redactedRest.firstIndex(of: "?") {
                let query = redactedRest[redactedRest.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map { pair in
                    let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
                    if name.lowercased() == "sslmode" { return String(pair) }
                    return pair.contains("=") ? name + "=<redacted>" : (name.contains("%") ? "<redacted>" : String(pair))
                }
                redactedRest = redactedRest[...question] + query.joined(separator: "&")
            }
            shown = String(url[..<schemeEnd.upperBound]) + redactedRest
        } else if let at = url.lastIndex(of: "@"), let colon = url[..<at].firstIndex(of: ":") {
            // Not a URL at all (`postgres:/u:pw@h/db`, `u:pw@h/db`): from the first `:` to the last `@`.
            shown = String(url[..<colon]) + ":<redacted>" + url[at...]
        }
        return escaped(shown, limit: maxShownLength)
    }

    /// RFC 3986's scheme shape, at most 20 characters: text before a `://` that is not shaped so
    /// (`u:pw@h/db?x=http://y`) may hold a password, and is neither shown nor taken for a scheme.
    static func isSchemeLike(_ text: Substring) -> Bool {
        text.count <= 20 && text.first?.isLetter == true && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    /// Control characters and other invisibles as `\u{…}`, cut at `limit` characters with `…`.
    static func escaped(_ text: String, limit: Int) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out.count > limit ? String(out.prefix(limit)) + "…" : out
    }
}

/// `dump(location)`, `String(reflecting:)` and debuggers show the description too: a mirror of
/// the stored properties would print the password.
extension PostgresLocation: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["location": description]) }
}
