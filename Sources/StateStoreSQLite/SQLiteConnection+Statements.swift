internal import CSQLite

/// A value bound to a `?` parameter: every value reaches SQLite this way, never spliced into SQL.
enum SQLiteValue {
    case text(String)
    case integer(Int64)
    case real(Double)
    /// Bytes kept exactly (webhook bodies); an empty value is a zero-length blob, not NULL.
    case blob([UInt8])
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
