import Foundation

/// A transport-neutral HTTP request, so signing, retries and tests never depend on libcurl.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    /// Header order is kept as given; names compare case-insensitively via `HTTPHeaders`.
    public var headers: HTTPHeaders
    public var body: Data
    /// Per-request timeout; the transport's default applies when nil.
    public var timeout: Duration?

    public init(method: String, url: URL, headers: HTTPHeaders = HTTPHeaders(), body: Data = Data(), timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// The response as received; the body is fully buffered because every AWS call prenv makes is small.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// An ordered header list with case-insensitive lookup; HTTP allows repeated names, so this is not a dictionary.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The first value for `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        get {
            let lowered = name.lowercased()
            return fields.first { $0.name.lowercased() == lowered }?.value
        }
        set {
            remove(name)
            if let newValue { fields.append((name: name, value: newValue)) }
        }
    }

    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    public mutating func remove(_ name: String) {
        let lowered = name.lowercased()
        fields.removeAll { $0.name.lowercased() == lowered }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}
