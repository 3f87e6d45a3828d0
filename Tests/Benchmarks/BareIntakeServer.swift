import CSQLite
import Crypto
import Foundation
import Hummingbird
import Logging

/// The reference for the intake ratio (`prenv-benchmarks intake-ratio`): the least a webhook
/// receiver that keeps GitHub's promise can do. It verifies `X-Hub-Signature-256` over the raw body
/// and group-commits the body, keyed by `X-GitHub-Delivery`, to SQLite with the durability prenv
/// uses (WAL, `synchronous=FULL`), answering 202 once its commit is on disk. No routing, no
/// dedupe by content, no logging, no metrics. Run as `prenv-benchmarks bare-intake-server --db PATH
/// --secret S --ready-file PATH`, so it can be pinned to a core like `prenv serve`.
enum BareIntakeServer {
    static func run(arguments: [String]) async throws {
        func value(_ flag: String) throws -> String {
            guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else {
                throw BareIntakeFailure(description: "bare-intake-server needs \(flag)")
            }
            return arguments[index + 1]
        }
        // Immutable once made; SymmetricKey is not marked Sendable.
        nonisolated(unsafe) let key = SymmetricKey(data: Data(try value("--secret").utf8))
        let log = try GroupCommitLog(path: try value("--db"))
        let readyFile = try value("--ready-file")
        var quiet = Logger(label: "bare")
        quiet.logLevel = .critical
        let router = Router()
        router.post("/webhooks/github") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 5 << 20)
            guard let header = request.headers.first(where: { $0.name.canonicalName == "x-hub-signature-256" })?.value, header.hasPrefix("sha256="),
                  let digest = hexDigest(header.utf8.dropFirst(7)),
                  HMAC<SHA256>.isValidAuthenticationCode(digest, authenticating: body.readableBytesView, using: key)
            else { return Response(status: .unauthorized) }
            guard let delivery = request.headers.first(where: { $0.name.canonicalName == "x-github-delivery" })?.value else { return Response(status: .badRequest) }
            try await log.append(id: delivery, body: body)
            return Response(status: .accepted, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"outcome":"accepted"}"#)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), backlog: 1024),
                              onServerRunning: { channel in
                                  let url = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)"
                                  try? JSONSerialization.data(withJSONObject: ["url": url]).write(to: URL(fileURLWithPath: readyFile), options: .atomic)
                              }, logger: quiet)
        try await app.run()
    }

    private static func hexDigest(_ hex: Substring.UTF8View) -> [UInt8]? {
        guard hex.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var high: UInt8?
        for c in hex {
            let nibble: UInt8
            switch c {
            case 0x30...0x39: nibble = c - 0x30
            case 0x61...0x66: nibble = c - 0x61 + 10
            default: return nil
            }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}

/// Appends that arrive while a commit is being written wait for the next one and share its fsync:
/// a thread owns the connection and writes everything waiting in one transaction per round.
final class GroupCommitLog: @unchecked Sendable {
    private let database: OpaquePointer
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var waiting: [(id: String, body: ByteBuffer, done: CheckedContinuation<Void, any Error>)] = []

    init(path: String) throws {
        var handle: OpaquePointer?
        guard sqlite3_open(path, &handle) == SQLITE_OK, let handle else { throw BareIntakeFailure(description: "cannot open \(path)") }
        database = handle
        for statement in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                          "CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, body BLOB NOT NULL)"] {
            guard sqlite3_exec(handle, statement, nil, nil, nil) == SQLITE_OK else {
                throw BareIntakeFailure(description: "\(statement): \(String(cString: sqlite3_errmsg(handle)))")
            }
        }
        let thread = Thread { [self] in commitForever() }
        thread.start()
    }

    func append(id: String, body: ByteBuffer) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            condition.lock()
            waiting.append((id, body, done))
            condition.signal()
            condition.unlock()
        }
    }

    private func commitForever() {
        var insert: OpaquePointer?
        sqlite3_prepare_v2(database, "INSERT OR IGNORE INTO deliveries (id, body) VALUES (?, ?)", -1, &insert, nil)
        while true {
            condition.lock()
            while waiting.isEmpty { condition.wait() }
            let batch = waiting
            waiting = []
            condition.unlock()
            var ok = sqlite3_exec(database, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK
            for item in batch where ok {
                sqlite3_reset(insert)
                sqlite3_bind_text(insert, 1, item.id, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                item.body.withUnsafeReadableBytes { bytes in
                    _ = sqlite3_bind_blob(insert, 2, bytes.baseAddress, Int32(bytes.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                }
                ok = sqlite3_step(insert) == SQLITE_DONE
            }
            ok = ok && sqlite3_exec(database, "COMMIT", nil, nil, nil) == SQLITE_OK
            if !ok { sqlite3_exec(database, "ROLLBACK", nil, nil, nil) }
            for item in batch {
                if ok { item.done.resume() } else { item.done.resume(throwing: BareIntakeFailure(description: "commit failed")) }
            }
        }
    }
}

struct BareIntakeFailure: Error, CustomStringConvertible {
    let description: String
}
