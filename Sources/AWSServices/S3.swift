import AWSCore
import AWSXML
import Crypto
import Foundation
import HTTPTransport

/// Amazon S3 (REST-XML): only the operations prenv needs.
/// Every call throws what `AWSClient.send` throws: `AWSError`, or `CancellationError` when cancelled.
public struct S3: Sendable {
    public let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    /// HeadBucket; a missing bucket is `NotFound` (404), a foreign one `Forbidden` (403).
    public func headBucket(_ bucket: String) async throws {
        _ = try await client.restXML(.s3, "HeadBucket", method: "HEAD", bucket: bucket)
    }

    /// CreateBucket in the client's region (us-east-1 takes no LocationConstraint).
    public func createBucket(_ bucket: String) async throws {
        var body = Data()
        if client.region != "us-east-1" {
            body = try S3XML.body(operation: "CreateBucket") { xml throws(XMLWriteError) in
                try xml.element("CreateBucketConfiguration", namespace: S3XML.namespace) { xml throws(XMLWriteError) in
                    try xml.element("LocationConstraint", text: client.region)
                }
            }
        }
        _ = try await client.restXML(.s3, "CreateBucket", method: "PUT", bucket: bucket, body: body)
    }

    /// PutObject with user metadata (sent as `x-amz-meta-*`), optionally conditional.
    ///
    /// A refused condition is an `AWSError` with S3's code: `PreconditionFailed` (412: an object is
    /// already there, or it changed since it was read) or `ConditionalRequestConflict` (409: another
    /// conditional write to the same key is in flight). `isConditionalWriteConflict` covers both.
    public func putObject(
        bucket: String, key: String, body: Data, contentType: String = "application/octet-stream", metadata: [String: String] = [:],
        condition: WriteCondition? = nil
    ) async throws {
        var headers = HTTPHeaders()
        headers["Content-Type"] = contentType
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            headers["x-amz-meta-\(name.lowercased())"] = value
        }
        switch condition {
        case .absent: headers["If-None-Match"] = "*"
        case .unchanged(let eTag): headers["If-Match"] = eTag
        case nil: break
        }
        _ = try await client.restXML(.s3, "PutObject", method: "PUT", bucket: bucket, key: key, headers: headers, body: body)
    }

    /// When a conditional PutObject may write: S3's only way to make "create if missing" and
    /// "replace what I read" atomic, so two writers cannot both believe they won.
    public enum WriteCondition: Sendable, Equatable {
        /// `If-None-Match: *`: only if no object exists at the key.
        case absent
        /// `If-Match: <ETag>`: only if the object is still the one with this ETag.
        case unchanged(eTag: String)
    }

    /// S3's codes for a refused conditional write.
    public static let preconditionFailed = "PreconditionFailed"
    public static let conditionalRequestConflict = "ConditionalRequestConflict"

    public struct Object: Sendable, Equatable {
        public var body: Data
        public var contentType: String?
        public var metadata: [String: String]
        public var eTag: String? = nil
        /// The whole object's size, which a ranged read knows even when it returned less.
        public var size: Int? = nil
    }

    /// GetObject of the whole object, read into memory: only for objects prenv wrote itself. Anything
    /// a pull request's build can write is read with `getObject(bucket:key:limit:)`.
    public func getObject(bucket: String, key: String) async throws -> Object {
        let response = try await client.restXML(.s3, "GetObject", method: "GET", bucket: bucket, key: key)
        return Self.object(from: response, size: response.body.count)
    }

    static func object(from response: HTTPResponse, size: Int?) -> Object {
        var metadata: [String: String] = [:]
        for field in response.headers where field.name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(field.name.lowercased().dropFirst("x-amz-meta-".count))] = field.value
        }
        return Object(body: response.body, contentType: response.headers["Content-Type"], metadata: metadata,
                      eTag: response.headers["ETag"], size: size)
    }
}

extension S3 {
    /// GetBucketTagging; a bucket without tags (`NoSuchTagSet`) has none.
    public func getBucketTagging(_ bucket: String) async throws -> [String: String] {
        let response: HTTPResponse
        do {
            response = try await client.restXML(.s3, "GetBucketTagging", method: "GET", bucket: bucket, query: [("tagging", nil)])
        } catch let error as AWSError where error.code == "NoSuchTagSet" {
            return [:]
        }
        let root = try S3XML.parse(response.body, operation: "GetBucketTagging", status: response.status)
        var tags: [String: String] = [:]
        for tag in root.child("TagSet")?.children("Tag") ?? [] {
            if let key = tag.child("Key")?.text { tags[key] = tag.child("Value")?.text ?? "" }
        }
        return tags
    }

    /// PutBucketTagging (replaces the whole tag set); S3 requires Content-MD5 on it.
    public func putBucketTagging(_ bucket: String, tags: [String: String]) async throws {
        let body = try S3XML.body(operation: "PutBucketTagging") { xml throws(XMLWriteError) in
            try xml.element("Tagging", namespace: S3XML.namespace) { xml throws(XMLWriteError) in
                try xml.element("TagSet") { xml throws(XMLWriteError) in
                    for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
                        try xml.element("Tag") { xml throws(XMLWriteError) in
                            try xml.element("Key", text: key)
                            try xml.element("Value", text: value)
                        }
                    }
                }
            }
        }
        var headers = HTTPHeaders()
        headers["Content-Type"] = "application/xml"
        headers["Content-MD5"] = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
        _ = try await client.restXML(.s3, "PutBucketTagging", method: "PUT", bucket: bucket, query: [("tagging", nil)], headers: headers, body: body)
    }

    /// DeleteBucket; S3 refuses (`BucketNotEmpty`) unless the bucket is empty.
    public func deleteBucket(_ bucket: String) async throws {
        _ = try await client.restXML(.s3, "DeleteBucket", method: "DELETE", bucket: bucket)
    }
}

extension S3 {
    public struct ObjectSummary: Sendable, Equatable {
        public var key: String
        public var size: Int
        public var eTag: String?
        /// `LastModified`; nil when S3 did not say.
        public var lastModified: Date? = nil
    }

    /// ListObjectsV2 over every page, so callers never act on a partial listing. Holds the whole
    /// listing in memory: only for prefixes prenv alone writes. A prefix a pull request's build can
    /// fill is walked with `forEachListPage`, one page at a time.
    /// `maxKeys` sets the page size (S3's default and maximum is 1000); `firstPageOnly` answers
    /// "is anything there?" with one request.
    public func listObjectsV2(bucket: String, prefix: String, maxKeys: Int? = nil, firstPageOnly: Bool = false) async throws -> [ObjectSummary] {
        var objects: [ObjectSummary] = []
        var continuationToken: String?
        repeat {
            let page = try await listObjectsV2Page(bucket: bucket, prefix: prefix, maxKeys: maxKeys, continuationToken: continuationToken)
            objects += page.objects
            continuationToken = firstPageOnly ? nil : page.nextContinuationToken
        } while continuationToken != nil
        return objects
    }

    /// One ListObjectsV2 page and the token of the next (nil on the last page).
    public struct ListPage: Sendable, Equatable {
        public var objects: [ObjectSummary]
        public var nextContinuationToken: String?
    }

    /// Walks the listing page by page (in S3's UTF-8 binary key order), so memory stays bounded by
    /// one page however many keys the prefix holds. `body` may stop the walk early by returning false.
    public func forEachListPage(
        bucket: String, prefix: String, maxKeys: Int? = nil, _ body: ([ObjectSummary]) async throws -> Bool
    ) async throws {
        var continuationToken: String?
        repeat {
            try Task.checkCancellation()
            let page = try await listObjectsV2Page(bucket: bucket, prefix: prefix, maxKeys: maxKeys, continuationToken: continuationToken)
            guard try await body(page.objects) else { return }
            continuationToken = page.nextContinuationToken
        } while continuationToken != nil
    }

    /// One ListObjectsV2 request. A truncated page without a continuation token is an
    /// `invalidResponse` error: callers never mistake a partial listing for the whole.
    public func listObjectsV2Page(bucket: String, prefix: String, maxKeys: Int? = nil, continuationToken: String? = nil) async throws -> ListPage {
        // `encoding-type=url`: a key may hold characters XML 1.0 cannot carry (a build can write
        // `\u{1}`), which would make the whole listing unparseable and the prefix undeletable.
        var query: [(String, String?)] = [("list-type", "2"), ("prefix", prefix), ("encoding-type", "url")]
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        let response = try await client.restXML(.s3, "ListObjectsV2", method: "GET", bucket: bucket, query: query)
        let root = try S3XML.parse(response.body, operation: "ListObjectsV2", status: response.status)
        let urlEncoded = root.child("EncodingType")?.text == "url"
        var objects: [ObjectSummary] = []
        for contents in root.children("Contents") {
            guard let raw = contents.child("Key")?.text else { continue }
            let key = try urlEncoded ? S3Keys.urlDecoded(raw, operation: "ListObjectsV2", status: response.status) : raw
            objects.append(ObjectSummary(key: key, size: Int(contents.child("Size")?.text ?? "") ?? 0, eTag: contents.child("ETag")?.text,
                                         lastModified: (contents.child("LastModified")?.text).flatMap { XMLTimestamp.parse($0) }))
        }
        let truncated = root.child("IsTruncated")?.text == "true"
        let next = truncated ? root.child("NextContinuationToken")?.text : nil
        if truncated, next == nil {
            throw AWSError(service: "s3", operation: "ListObjectsV2", code: AWSError.ClientCode.invalidResponse,
                           message: "truncated listing without NextContinuationToken", httpStatus: response.status)
        }
        return ListPage(objects: objects, nextContinuationToken: next)
    }

    public struct DeleteFailure: Sendable, Equatable {
        public var key: String
        public var code: String
        public var message: String

        public init(key: String, code: String, message: String) {
            self.key = key
            self.code = code
            self.message = message
        }
    }

    /// The DeleteObjects limit per request.
    public static let deleteBatchSize = 1000

    /// DeleteObjects in batches of 1000; returns the keys S3 refused, with its reason for each.
    /// Keys that an XML 1.0 body cannot carry (control characters) go one by one through DeleteObject,
    /// whose key travels in the URL: a build must not be able to make its prefix undeletable.
    public func deleteObjects(bucket: String, keys allKeys: [String]) async throws -> [DeleteFailure] {
        let keys = allKeys.filter(XMLWriter.canCarry)
        var failures = try await deleteOneByOne(bucket: bucket, keys: allKeys.filter { !XMLWriter.canCarry($0) })
        var start = 0
        while start < keys.count {
            let batch = keys[start..<min(start + Self.deleteBatchSize, keys.count)]
            start += Self.deleteBatchSize
            let body = try S3XML.body(operation: "DeleteObjects") { xml throws(XMLWriteError) in
                try xml.element("Delete", namespace: S3XML.namespace) { xml throws(XMLWriteError) in
                    try xml.element("Quiet", text: "true")
                    for key in batch {
                        try xml.element("Object") { xml throws(XMLWriteError) in try xml.element("Key", text: key) }
                    }
                }
            }
            var headers = HTTPTransport.HTTPHeaders()
            headers["Content-Type"] = "application/xml"
            headers["Content-MD5"] = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
            let response = try await client.restXML(.s3, "DeleteObjects", method: "POST", bucket: bucket, query: [("delete", nil)], headers: headers, body: body)
            let root = try S3XML.parse(response.body, operation: "DeleteObjects", status: response.status)
            for error in root.children("Error") {
                failures.append(DeleteFailure(
                    key: error.child("Key")?.text ?? "", code: error.child("Code")?.text ?? "", message: error.child("Message")?.text ?? ""))
            }
        }
        return failures
    }
}

/// XML helpers for S3 bodies.
enum S3XML {
    static func parse(_ body: Data, operation: String, status: Int) throws(AWSError) -> XMLElement {
        do {
            return try XMLDocument.parse(body)
        } catch {
            throw AWSError(service: "s3", operation: operation, code: AWSError.ClientCode.invalidResponse, message: "unreadable response: \(error)", httpStatus: status)
        }
    }

    static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    /// A request body written with `XMLWriter`; a value XML 1.0 cannot carry is an error naming the
    /// operation (callers route such keys elsewhere, see `deleteObjects`).
    static func body(operation: String, _ write: (inout XMLWriter) throws(XMLWriteError) -> Void) throws(AWSError) -> Data {
        var writer = XMLWriter()
        do {
            try write(&writer)
        } catch {
            throw AWSError(service: "s3", operation: operation, code: AWSError.ClientCode.invalidRequest, message: error.message)
        }
        return writer.data
    }
}
