import AWSCore
import Foundation
import HTTPTransport
import UntrustedText

/// Reading and deleting what a pull request's build can write: objects of any size, keys with any
/// character. Nothing here trusts a size, a key or a body it did not choose.
extension S3 {
    /// The client code for an object larger than a bounded read allows.
    public static let objectTooLarge = "ObjectTooLarge"

    /// GetObject of at most `limit` bytes, so a huge object never reaches memory.
    ///
    /// Asks for `Range: bytes=0-<limit>` (one byte more than allowed, to notice "more") and reads the
    /// real size from `Content-Range` (or, when the server ignored the range, from the body). Larger
    /// than `limit` throws `ObjectTooLarge` naming the key and size. An empty object is answered 416
    /// `InvalidRange` (no byte 0 exists) and comes back as an empty body.
    public func getObject(bucket: String, key: String, limit: Int) async throws -> Object {
        var headers = HTTPHeaders()
        headers["Range"] = "bytes=0-\(limit)"
        let response: HTTPResponse
        do {
            response = try await client.restXML(.s3, "GetObject", method: "GET", bucket: bucket, key: key, headers: headers)
        } catch let error as AWSError where error.httpStatus == 416 {
            return Object(body: Data(), contentType: nil, metadata: [:], size: 0)
        }
        let size = response.status == 206 ? Self.totalSize(contentRange: response.headers["Content-Range"]) : response.body.count
        let known = max(size ?? response.body.count, response.body.count)
        guard known <= limit else {
            throw AWSError(service: "s3", operation: "GetObject", code: Self.objectTooLarge,
                           message: "s3://\(bucket)/\(S3Keys.printable(key)) is \(size.map { "\($0) bytes" } ?? "larger than \(limit) bytes"); "
                               + "at most \(limit) bytes are read", httpStatus: response.status)
        }
        return Self.object(from: response, size: known)
    }

    /// `bytes 0-4096/104857600` → 104857600; nil when absent or `*` (unknown).
    static func totalSize(contentRange: String?) -> Int? {
        guard let contentRange, let slash = contentRange.lastIndex(of: "/") else { return nil }
        return Int(contentRange[contentRange.index(after: slash)...].trimmingCharacters(in: .whitespaces))
    }

    /// DeleteObject: deleting a missing key is success (S3 answers 204 either way).
    public func deleteObject(bucket: String, key: String) async throws {
        _ = try await client.restXML(.s3, "DeleteObject", method: "DELETE", bucket: bucket, key: key)
    }

    /// DeleteObject per key, with refusals collected as DeleteObjects would report them.
    func deleteOneByOne(bucket: String, keys: [String]) async throws -> [DeleteFailure] {
        var failures: [DeleteFailure] = []
        for key in keys {
            do {
                try await deleteObject(bucket: bucket, key: key)
            } catch let error as AWSError {
                failures.append(DeleteFailure(key: key, code: error.code, message: error.message))
            }
        }
        return failures
    }
}

extension AWSError {
    /// S3 refused a conditional write: someone else's object is at the key, it changed since it was
    /// read, or another conditional write to it is in flight.
    public var isConditionalWriteConflict: Bool {
        code == S3.preconditionFailed || code == S3.conditionalRequestConflict
    }
}

/// Object keys as S3 stores them: any UTF-8, control characters included.
public enum S3Keys {
    /// Decodes a key from a listing made with `encoding-type=url` (S3 writes a space as `+`).
    static func urlDecoded(_ raw: String, operation: String, status: Int) throws(AWSError) -> String {
        guard let key = String(bytes: PercentEncoding.decode(Array(raw.utf8), plusAsSpace: true), encoding: .utf8) else {
            throw AWSError(service: "s3", operation: operation, code: AWSError.ClientCode.invalidResponse,
                           message: "listed key \(printable(raw)) is not URL-encoded UTF-8", httpStatus: status)
        }
        return key
    }

    /// The key for a log line, error or status (`UntrustedText`'s rule, never cut: a key names
    /// what it is about), so a hostile key cannot forge lines or terminal escapes.
    public static func printable(_ key: String) -> String { UntrustedText.printable(key) }
}
