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
            let xml = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<LocationConstraint>\(S3XML.escape(client.region))</LocationConstraint></CreateBucketConfiguration>"
            body = Data(xml.utf8)
        }
        _ = try await client.restXML(.s3, "CreateBucket", method: "PUT", bucket: bucket, body: body)
    }

    /// PutObject with user metadata (sent as `x-amz-meta-*`).
    public func putObject(
        bucket: String, key: String, body: Data, contentType: String = "application/octet-stream", metadata: [String: String] = [:]
    ) async throws {
        var headers = HTTPHeaders()
        headers["Content-Type"] = contentType
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            headers["x-amz-meta-\(name.lowercased())"] = value
        }
        _ = try await client.restXML(.s3, "PutObject", method: "PUT", bucket: bucket, key: key, headers: headers, body: body)
    }

    public struct Object: Sendable, Equatable {
        public var body: Data
        public var contentType: String?
        public var metadata: [String: String]
    }

    public func getObject(bucket: String, key: String) async throws -> Object {
        let response = try await client.restXML(.s3, "GetObject", method: "GET", bucket: bucket, key: key)
        var metadata: [String: String] = [:]
        for field in response.headers where field.name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(field.name.lowercased().dropFirst("x-amz-meta-".count))] = field.value
        }
        return Object(body: response.body, contentType: response.headers["Content-Type"], metadata: metadata)
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
        var xml = "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>"
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
            xml += "<Tag><Key>\(S3XML.escape(key))</Key><Value>\(S3XML.escape(value))</Value></Tag>"
        }
        xml += "</TagSet></Tagging>"
        let body = Data(xml.utf8)
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
    }

    /// ListObjectsV2 over every page, so callers never act on a partial listing.
    /// `maxKeys` sets the page size (S3's default and maximum is 1000); `firstPageOnly` answers
    /// "is anything there?" with one request.
    public func listObjectsV2(bucket: String, prefix: String, maxKeys: Int? = nil, firstPageOnly: Bool = false) async throws -> [ObjectSummary] {
        var objects: [ObjectSummary] = []
        var continuationToken: String?
        repeat {
            var query: [(String, String?)] = [("list-type", "2"), ("prefix", prefix)]
            if let maxKeys { query.append(("max-keys", String(maxKeys))) }
            if let continuationToken { query.append(("continuation-token", continuationToken)) }
            let response = try await client.restXML(.s3, "ListObjectsV2", method: "GET", bucket: bucket, query: query)
            let root = try S3XML.parse(response.body, operation: "ListObjectsV2", status: response.status)
            for contents in root.children("Contents") {
                guard let key = contents.child("Key")?.text else { continue }
                objects.append(ObjectSummary(key: key, size: Int(contents.child("Size")?.text ?? "") ?? 0, eTag: contents.child("ETag")?.text))
            }
            let truncated = root.child("IsTruncated")?.text == "true"
            continuationToken = truncated && !firstPageOnly ? root.child("NextContinuationToken")?.text : nil
            if truncated, continuationToken == nil, !firstPageOnly {
                throw AWSError(service: "s3", operation: "ListObjectsV2", code: AWSError.ClientCode.invalidResponse,
                               message: "truncated listing without NextContinuationToken", httpStatus: response.status)
            }
        } while continuationToken != nil
        return objects
    }

    public struct DeleteFailure: Sendable, Equatable {
        public var key: String
        public var code: String
        public var message: String
    }

    /// The DeleteObjects limit per request.
    public static let deleteBatchSize = 1000

    /// DeleteObjects in batches of 1000; returns the keys S3 refused, with its reason for each.
    public func deleteObjects(bucket: String, keys: [String]) async throws -> [DeleteFailure] {
        var failures: [DeleteFailure] = []
        var start = 0
        while start < keys.count {
            let batch = keys[start..<min(start + Self.deleteBatchSize, keys.count)]
            start += Self.deleteBatchSize
            var xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
            for key in batch { xml += "<Object><Key>\(S3XML.escape(key))</Key></Object>" }
            xml += "</Delete>"
            let body = Data(xml.utf8)
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

    /// Escapes text content; S3 keys may hold any character, so control characters become references.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default:
                if scalar.value < 0x20 { result += "&#x\(String(scalar.value, radix: 16));" } else { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}
