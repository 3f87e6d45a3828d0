import CSQLite
import Foundation

/// A fresh directory under the system temporary directory, removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("prenv-sqlite-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}

/// Runs SQL on a separate raw connection, as another process would, and returns the first column
/// of every row as text. For poking at the file behind the store's back.
@discardableResult
func rawSQL(_ path: String, _ sql: String) throws -> [String] {
    var db: OpaquePointer?
    defer { sqlite3_close_v2(db) }
    guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let db else {
        throw RawSQLError(message: "open \(path) failed")
    }
    var statement: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
        throw RawSQLError(message: String(cString: sqlite3_errmsg(db)))
    }
    defer { sqlite3_finalize(statement) }
    var rows: [String] = []
    while true {
        let status = sqlite3_step(statement)
        if status == SQLITE_DONE { return rows }
        guard status == SQLITE_ROW else { throw RawSQLError(message: String(cString: sqlite3_errmsg(db))) }
        rows.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "NULL")
    }
}

struct RawSQLError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
