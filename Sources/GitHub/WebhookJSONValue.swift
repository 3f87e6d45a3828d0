import Foundation

/// Any JSON value of a webhook payload, read by `JSONDecoder` along with the fields around it: the
/// `changes` object of an `edited` event, which prenv does not interpret but must tell apart (see
/// `PullRequestEvent.contentKey`). Reading it here saves parsing the whole payload a second time.
public indirect enum WebhookJSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([WebhookJSONValue])
    case object([String: WebhookJSONValue])

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var object: [String: WebhookJSONValue] = [:]
            for key in keyed.allKeys { object[key.stringValue] = try keyed.decode(WebhookJSONValue.self, forKey: key) }
            self = .object(object)
        } else if var unkeyed = try? decoder.unkeyedContainer() {
            var array: [WebhookJSONValue] = []
            while !unkeyed.isAtEnd { array.append(try unkeyed.decode(WebhookJSONValue.self)) }
            self = .array(array)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let bool = try? single.decode(Bool.self) {
                self = .bool(bool)
            } else if let integer = try? single.decode(Int.self) {
                self = .integer(integer)
            } else if let number = try? single.decode(Double.self) {
                self = .number(number)
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }

    /// The value as `JSONSerialization` objects, e.g. to write it with sorted keys.
    public var foundationObject: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .integer(let value): value
        case .number(let value): value
        case .string(let value): value
        case .array(let values): values.map(\.foundationObject)
        case .object(let members): members.mapValues(\.foundationObject)
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
