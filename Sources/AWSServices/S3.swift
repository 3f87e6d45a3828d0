import AWSCore
import HTTPTransport
import AWSXML
import Crypto
import Foundation

/// Amazon S3 (REST-XML): only the operations prenv needs.
public struct S3: Sendable {
    public let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    /// HeadBucket; a missing bucket is `NotFound` (404), a foreign one `Forbidden` (403).
    public func headBucket(_ bucket: String) async throws(AWSError) {
        _ = try await client.restXML(.s3, "HeadBucket", method: "HEAD", bucket: bucket)
    }

    /// CreateBucket in the client's region (us-east-1 takes no LocationConstraint).
    public func createBucket(_ bucket: String) async throws(AWSError) {
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
    ) async throws(AWSError) {
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

    public func getObject(bucket: String, key: String) async throws(AWSError) -> Object {
        let response = try await client.restXML(.s3, "GetObject", method: "GET", bucket: bucket, key: key)
        var metadata: [String: String] = [:]
        for field in response.headers where field.name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(field.name.lowercased().dropFirst("x-amz-meta-".count))] = field.value
        }
        return Object(body: response.body, contentType: response.headers["Content-Type"], metadata: metadata)
    }
}
