import HTTPTransport
import Foundation

extension AWSClient {
    /// Calls a REST-XML (S3) operation on a bucket and optional key; returns the raw 2xx response.
    ///
    /// A query item with a nil value is a bare flag (`?delete`); an empty string is sent as `name=`.
    public func restXML(
        _ service: AWSService, _ operation: String, method: String, bucket: String, key: String? = nil,
        query: [(String, String?)] = [], headers: HTTPHeaders = HTTPHeaders(), body: Data = Data()
    ) async throws(AWSError) -> HTTPResponse {
        let url = s3URL(service, bucket: bucket, key: key, query: query)
        let request = HTTPRequest(method: method, url: url, headers: headers, body: body)
        return try await send(request, service: service, operation: operation)
    }

    /// Path-style for custom endpoints and names DNS can't carry; virtual-hosted style on AWS itself.
    func s3URL(_ service: AWSService, bucket: String, key: String?, query: [(String, String?)]) -> URL {
        let base = endpoints.url(for: service)
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false) ?? URLComponents()
        let encodedKey = key.map { AWSURIEncoding.encode($0, keepSlash: true) }
        let basePath = components.percentEncodedPath.hasSuffix("/") ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        if endpoints.isCustom(service) || !Self.isVirtualHostable(bucket) {
            components.percentEncodedPath = basePath + "/" + AWSURIEncoding.encode(bucket) + (encodedKey.map { "/" + $0 } ?? "")
        } else {
            components.host = "\(bucket).\(components.host ?? "")"
            components.percentEncodedPath = basePath + "/" + (encodedKey ?? "")
        }
        if !query.isEmpty {
            components.percentEncodedQuery = query
                .map { name, value in value.map { "\(AWSURIEncoding.encode(name))=\(AWSURIEncoding.encode($0))" } ?? AWSURIEncoding.encode(name) }
                .joined(separator: "&")
        }
        return components.url ?? base
    }

    /// Lowercase DNS labels without dots (dots break TLS wildcard certificates).
    static func isVirtualHostable(_ bucket: String) -> Bool {
        (3...63).contains(bucket.count) && !bucket.contains(".")
            && bucket.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }
}
