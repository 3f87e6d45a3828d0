import AWSXML
import Foundation
import HTTPTransport

// The three wire protocols of `AWSWireProtocol`, each a thin layer over `AWSClient.send`: they build
// the request and read the response, and throw what `send` throws (`AWSError`, or `CancellationError`),
// plus `AWSError` `InvalidRequest`/`InvalidResponse` for a body they cannot write or read.

extension AWSClient {
    /// Calls a JSON 1.1 operation (CodeBuild, CodePipeline): POST `/` with `X-Amz-Target`.
    public func json<Output: Decodable>(
        _ service: AWSService, _ operation: String, _ input: some Encodable, as output: Output.Type = Output.self
    ) async throws -> Output {
        guard case .json(let targetPrefix) = service.wireProtocol else {
            preconditionFailure("\(service) does not speak JSON 1.1")
        }
        let body: Data
        do {
            body = try AWSJSON.encoder.encode(input)
        } catch {
            throw AWSError(service: service.name, operation: operation, code: AWSError.ClientCode.invalidRequest, message: "could not encode request: \(error)")
        }
        var headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.1"
        headers["X-Amz-Target"] = "\(targetPrefix).\(operation)"
        let request = HTTPRequest(method: "POST", url: endpoints.url(for: service).appendingSlashPath(), headers: headers, body: body)
        let response = try await send(request, service: service, operation: operation)
        do {
            let data = response.body.isEmpty ? Data("{}".utf8) : response.body
            return try AWSJSON.decoder.decode(Output.self, from: data)
        } catch {
            throw AWSError(
                service: service.name, operation: operation, code: AWSError.ClientCode.invalidResponse,
                message: "unreadable \(operation) response: \(AWSJSON.describe(error))",
                requestID: response.headers["x-amzn-RequestId"], httpStatus: response.status)
        }
    }
}

extension URL {
    /// The endpoint with path "/" (JSON and Query services post to the root).
    func appendingSlashPath() -> URL {
        guard var components = URLComponents(url: self, resolvingAgainstBaseURL: false) else { return self }
        if components.path.isEmpty { components.path = "/" }
        return components.url ?? self
    }
}

extension AWSClient {
    /// Calls a Query operation (CloudFormation, STS) and returns its `<OperationResult>` element.
    ///
    /// `parameters` use the Query serialization's flattened names (`Parameters.member.1.ParameterKey`);
    /// `AWSQueryParameters` builds them.
    public func query(_ service: AWSService, _ operation: String, _ parameters: AWSQueryParameters = AWSQueryParameters()) async throws -> XMLElement {
        guard case .query(let apiVersion, _) = service.wireProtocol else {
            preconditionFailure("\(service) does not speak the Query protocol")
        }
        var all = AWSQueryParameters()
        all["Action"] = operation
        all["Version"] = apiVersion
        all.append(contentsOf: parameters)
        var headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        let request = HTTPRequest(method: "POST", url: endpoints.url(for: service).appendingSlashPath(), headers: headers, body: Data(all.encoded().utf8))
        let response = try await send(request, service: service, operation: operation)
        let root: XMLElement
        do {
            root = try XMLDocument.parse(response.body)
        } catch {
            throw AWSError(
                service: service.name, operation: operation, code: AWSError.ClientCode.invalidResponse,
                message: "unreadable \(operation) response: \(error)", requestID: response.headers["x-amzn-RequestId"], httpStatus: response.status)
        }
        return root.child("\(operation)Result") ?? root
    }
}

/// Ordered Query parameters with the flattening helpers the Query protocol needs.
public struct AWSQueryParameters: Sendable, Equatable {
    public private(set) var items: [(String, String)] = []

    public init() {}

    public subscript(name: String) -> String? {
        get { items.first { $0.0 == name }?.1 }
        set {
            items.removeAll { $0.0 == name }
            if let newValue { items.append((name, newValue)) }
        }
    }

    public mutating func append(contentsOf other: AWSQueryParameters) {
        items.append(contentsOf: other.items)
    }

    /// `Name.member.N` for a list of strings.
    public mutating func setList(_ name: String, _ values: [String]) {
        for (index, value) in values.enumerated() { items.append(("\(name).member.\(index + 1)", value)) }
    }

    /// `Name.member.N.Field` for a list of structures given as ordered field pairs.
    public mutating func setStructures(_ name: String, _ values: [[(String, String)]]) {
        for (index, fields) in values.enumerated() {
            for (field, value) in fields { items.append(("\(name).member.\(index + 1).\(field)", value)) }
        }
    }

    /// `application/x-www-form-urlencoded` with RFC 3986 escaping, as the SDKs send it.
    public func encoded() -> String {
        items.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
    }

    public static func == (lhs: AWSQueryParameters, rhs: AWSQueryParameters) -> Bool {
        lhs.items.elementsEqual(rhs.items) { $0 == $1 }
    }
}

extension AWSClient {
    /// Calls a REST-XML (S3) operation on a bucket and optional key; returns the raw 2xx response.
    ///
    /// A query item with a nil value is a bare flag (`?delete`); an empty string is sent as `name=`.
    public func restXML(
        _ service: AWSService, _ operation: String, method: String, bucket: String, key: String? = nil,
        query: [(String, String?)] = [], headers: HTTPHeaders = HTTPHeaders(), body: Data = Data()
    ) async throws -> HTTPResponse {
        let url = s3URL(service, bucket: bucket, key: key, query: query)
        let request = HTTPRequest(method: method, url: url, headers: headers, body: body)
        return try await send(request, service: service, operation: operation)
    }

    /// Path-style for custom endpoints and names DNS can't carry; virtual-hosted style on AWS itself.
    func s3URL(_ service: AWSService, bucket: String, key: String?, query: [(String, String?)]) -> URL {
        let base = endpoints.url(for: service)
        var components = URLComponents(url: base, resolvingAgainstBaseURL: false) ?? URLComponents()
        let encodedKey = key.map { PercentEncoding.encode($0, keepingSlash: true) }
        let basePath = components.percentEncodedPath.hasSuffix("/") ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        if endpoints.isCustom(service) || !Self.isVirtualHostable(bucket) {
            components.percentEncodedPath = basePath + "/" + PercentEncoding.encode(bucket) + (encodedKey.map { "/" + $0 } ?? "")
        } else {
            components.host = "\(bucket).\(components.host ?? "")"
            components.percentEncodedPath = basePath + "/" + (encodedKey ?? "")
        }
        if !query.isEmpty {
            components.percentEncodedQuery = query
                .map { name, value in value.map { "\(PercentEncoding.encode(name))=\(PercentEncoding.encode($0))" } ?? PercentEncoding.encode(name) }
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
