internal import CSQLite
import Foundation

/// One SQLite connection, owned by exactly one `SQLiteStateStore`.
///
/// Not `Sendable`: the owning actor serialises every call, so no two threads use the handle at once.
/// It is still opened `SQLITE_OPEN_FULLMUTEX`, so a future mistake costs a wait rather than memory
/// corruption. Other processes (a second `prenv`) coordinate through SQLite's file locks and the
/// busy timeout.
final class SQLiteConnection {
    /// The file as given by the caller, for error messages.
    let path: String
    let handle: OpaquePointer
    /// Prepared statements by SQL text: the store runs the same dozen statements all its life.
    var statements: [String: SQLiteStatement] = [:]

    init(path: String, busyTimeoutMilliseconds: Int32) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close_v2(db)
            throw SQLiteError(operation: "open", code: status, message: message, path: path)
        }
        self.path = path
        self.handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit {
        statements.removeAll()  // finalised before the close, so the close is immediate
        sqlite3_close_v2(handle)
    }

    /// The error SQLite recorded for the last failed call on this connection.
    func lastError(_ operation: String) -> SQLiteError {
        SQLiteError(
            operation: operation, code: sqlite3_extended_errcode(handle),
            message: String(cString: sqlite3_errmsg(handle)), path: path
        )
    }

    /// Runs SQL without parameters (pragmas, transaction control, migrations). Never pass values
    /// here: values go through `run(_:_:operation:row:)`, bound as parameters.
    func exec(_ sql: String, operation: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        defer { sqlite3_free(errorMessage) }
        guard status == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            throw SQLiteError(operation: operation, code: sqlite3_extended_errcode(handle), message: message, path: path)
        }
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    ///
    /// Writers use `BEGIN IMMEDIATE`, taking the write lock up front, so a second process waits on
    /// the busy timeout at the start instead of failing with `SQLITE_BUSY` halfway through.
    func transaction<T>(_ operation: String, write: Bool, _ body: () throws -> T) throws -> T {
        try exec(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", operation: operation)
        do {
            let result = try body()
            try exec("COMMIT", operation: operation)
            return result
        } catch {
            if sqlite3_get_autocommit(handle) == 0 {
                _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            }
            throw error
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }
    /// The rowid the last successful INSERT on this connection made.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

/// A value bound to a `?` parameter: every value reaches SQLite this way, never spliced into SQL.
enum SQLiteValue {
    case text(String)
    case integer(Int64)
    case real(Double)
    /// Bytes kept exactly (webhook bodies); an empty value is a zero-length blob, not NULL.
    case blob(Data)
    case null
}

/// A prepared statement, finalised when the connection's cache lets go of it.
final class SQLiteStatement {
    let handle: OpaquePointer
    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { sqlite3_finalize(handle) }
}

/// The current row of a stepping statement; valid only inside the `row` callback.
struct SQLiteRow {
    fileprivate let statement: OpaquePointer

    /// Text by byte count, not up to the first NUL, so no stored string is cut short.
    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    func real(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }

    func blob(_ column: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column))))
    }
}

extension SQLiteConnection {
    /// Runs one statement with `values` bound to its parameters in order, calling `row` per result row.
    func run(
        _ sql: String, _ values: [SQLiteValue] = [], operation: String, row: (SQLiteRow) throws -> Void = { _ in }
    ) throws {
        let statement = try prepared(sql, operation: operation)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(values, to: statement, operation: operation)
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: try row(SQLiteRow(statement: statement))
            case SQLITE_DONE: return
            default: throw lastError(operation)
            }
        }
    }

    /// Every result row of `sql`, each turned into a `T` by `map`.
    func query<T>(
        _ sql: String, _ values: [SQLiteValue] = [], operation: String, map: (SQLiteRow) throws -> T
    ) throws -> [T] {
        var results: [T] = []
        try run(sql, values, operation: operation) { results.append(try map($0)) }
        return results
    }

    private func prepared(_ sql: String, operation: String) throws -> OpaquePointer {
        if let cached = statements[sql] { return cached.handle }
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw lastError(operation) }
        statements[sql] = SQLiteStatement(statement)
        return statement
    }

    private func bind(_ values: [SQLiteValue], to statement: OpaquePointer, operation: String) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case let .text(text):
                let count = sqlite3_uint64(text.utf8.count)
                status = text.withCString {
                    sqlite3_bind_text64(statement, index, $0, count, csqlite_transient(), UInt8(SQLITE_UTF8))
                }
            case let .integer(number): status = sqlite3_bind_int64(statement, index, number)
            case let .real(number): status = sqlite3_bind_double(statement, index, number)
            case let .blob(bytes):
                status = bytes.withUnsafeBytes { buffer in
                    guard let base = buffer.baseAddress, !buffer.isEmpty else { return sqlite3_bind_zeroblob(statement, index, 0) }
                    return sqlite3_bind_blob64(statement, index, base, sqlite3_uint64(buffer.count), csqlite_transient())
                }
            case .null: status = sqlite3_bind_null(statement, index)
            }
            guard status == SQLITE_OK else { throw lastError(operation) }
        }
    }
}

extension SQLiteConnection {
    /// KiB of pages SQLite caches per connection (its default is 2,000). Its cache is heap memory
    /// that stays resident in `prenv serve` once filled, while the file's pages are in the kernel's
    /// page cache anyway: a read that misses costs a `pread` from memory, not a disk seek. The inbox
    /// reads each payload once, and the records are read whole by the listings, so a larger cache
    /// buys little (BENCHMARKS.md: the heap at 1,000 environments 0.6 MiB smaller, intake unchanged).
    static let pageCacheKiB = 512

    /// Opens prenv's database the one way every user of the file does: parent directories created,
    /// WAL, `synchronous=FULL`, foreign keys on, busy timeout, migrations applied.
    static func openMigrated(path: String, busyTimeout: Duration) throws -> SQLiteConnection {
        try SQLiteStateStore.createParentDirectory(of: path)
        let (seconds, attoseconds) = busyTimeout.components  // capped at a day: Int32 milliseconds
        let milliseconds = min(seconds, 86_400) * 1000 + attoseconds / 1_000_000_000_000_000
        let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: Int32(clamping: milliseconds))
        // Journal mode is a property of the file; the others hold per connection, so set on each open.
        try connection.exec("PRAGMA journal_mode = WAL", operation: "open")
        try connection.exec("PRAGMA synchronous = FULL", operation: "open")
        try connection.exec("PRAGMA foreign_keys = ON", operation: "open")
        try connection.exec("PRAGMA cache_size = -\(pageCacheKiB)", operation: "open")
        try SQLiteMigrations.migrate(connection)
        return connection
    }
}
