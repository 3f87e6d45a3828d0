import HTTPTransport
import AWSXML
import Foundation

extension AWSClient {
    /// Calls a Query operation (CloudFormation, STS) and returns its `<OperationResult>` element.
    ///
    /// `parameters` use the Query serialization's flattened names (`Parameters.member.1.ParameterKey`);
    /// `AWSQueryParameters` builds them.
    public func query(_ service: AWSService, _ operation: String, _ parameters: AWSQueryParameters = AWSQueryParameters()) async throws(AWSError) -> XMLElement {
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
        items.map { "\(AWSURIEncoding.encode($0.0))=\(AWSURIEncoding.encode($0.1))" }.joined(separator: "&")
    }

    public static func == (lhs: AWSQueryParameters, rhs: AWSQueryParameters) -> Bool {
        lhs.items.elementsEqual(rhs.items) { $0 == $1 }
    }
}

/// RFC 3986 percent-encoding: everything but `A–Z a–z 0–9 - _ . ~` (and `/` when asked).
public enum AWSURIEncoding {
    public static func encode(_ value: String, keepSlash: Bool = false) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                result.append("/")
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }
}
