import AWSCore
import HTTPTransport
import AWSXML
import Crypto
import Foundation

extension S3 {
    public struct ObjectSummary: Sendable, Equatable {
        public var key: String
        public var size: Int
        public var eTag: String?
    }

    /// ListObjectsV2 over every page, so callers never act on a partial listing.
    /// `maxKeys` sets the page size (S3's default and maximum is 1000); `firstPageOnly` answers
    /// "is anything there?" with one request.
    public func listObjectsV2(bucket: String, prefix: String, maxKeys: Int? = nil, firstPageOnly: Bool = false) async throws(AWSError) -> [ObjectSummary] {
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
    public func deleteObjects(bucket: String, keys: [String]) async throws(AWSError) -> [DeleteFailure] {
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
