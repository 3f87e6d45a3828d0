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
}
