internal import CSQLite

/// A failed SQLite call, with enough context for a user to act without a debugger: which database
/// file, which operation, and SQLite's own code and message.
public struct SQLiteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What prenv was doing, e.g. `open`, `migrate`, `saveNode`.
    public var operation: String
    /// SQLite's extended result code (`SQLITE_NOTADB` is 26, `SQLITE_BUSY` is 5, …).
    public var code: Int32
    /// SQLite's message for this failure.
    public var message: String
    /// The database file, as given to `SQLiteStateStore(path:)`.
    public var path: String

    public init(operation: String, code: Int32, message: String, path: String) {
        self.operation = operation
        self.code = code
        self.message = message
        self.path = path
    }

    /// SQLite's primary result code (the low byte of the extended one).
    public var primaryCode: Int32 { code & 0xFF }

    /// Whether the file exists but is not a usable SQLite database (random bytes, truncation, or
    /// a different kind of file): the user has to move it aside, retrying will not help.
    public var isCorruptDatabase: Bool { primaryCode == SQLITE_NOTADB || primaryCode == SQLITE_CORRUPT }

    public var description: String {
        let hint = isCorruptDatabase
            ? " — the file is not a prenv state database or is damaged; move it aside to start afresh"
            : ""
        return "state database \(path): \(operation) failed: \(message) (SQLite code \(code))\(hint)"
    }
}

/// The database's schema is one this build cannot use.
public enum SQLiteSchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `PRAGMA user_version` is above every migration this build knows: writing to it could lose
    /// what a newer prenv records, so prenv refuses instead of guessing.
    case newerThanSupported(path: String, found: Int, supported: Int)
    /// A stored JSON column no longer decodes (edited by hand, or a field this build lacks).
    case undecodable(path: String, what: String, reason: String)

    public var description: String {
        switch self {
        case let .newerThanSupported(path, found, supported):
            "state database was written by a newer prenv: \(path) has schema version \(found), this "
                + "prenv knows up to \(supported); upgrade prenv, or point --state at another file"
        case let .undecodable(path, what, reason):
            "state database \(path): cannot read \(what): \(reason)"
        }
    }
}
