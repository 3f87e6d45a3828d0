import AWSCore
import HTTPTransport
import Crypto
import Foundation

extension S3 {
    /// GetBucketTagging; a bucket without tags (`NoSuchTagSet`) has none.
    public func getBucketTagging(_ bucket: String) async throws(AWSError) -> [String: String] {
        let response: HTTPResponse
        do {
            response = try await client.restXML(.s3, "GetBucketTagging", method: "GET", bucket: bucket, query: [("tagging", nil)])
        } catch {
            if error.code == "NoSuchTagSet" { return [:] }
            throw error
        }
        let root = try S3XML.parse(response.body, operation: "GetBucketTagging", status: response.status)
        var tags: [String: String] = [:]
        for tag in root.child("TagSet")?.children("Tag") ?? [] {
            if let key = tag.child("Key")?.text { tags[key] = tag.child("Value")?.text ?? "" }
        }
        return tags
    }

    /// PutBucketTagging (replaces the whole tag set); S3 requires Content-MD5 on it.
    public func putBucketTagging(_ bucket: String, tags: [String: String]) async throws(AWSError) {
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
    public func deleteBucket(_ bucket: String) async throws(AWSError) {
        _ = try await client.restXML(.s3, "DeleteBucket", method: "DELETE", bucket: bucket)
    }
}
