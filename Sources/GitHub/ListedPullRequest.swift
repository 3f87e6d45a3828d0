import Foundation

/// One open pull request from a listing: decoded, and as the JSON object prenv keeps of it, so a
/// delivery synthesised from it carries what a webhook's `pull_request` would for prenv.
///
/// The JSON is cut down to the fields prenv reads (`PullRequestEvent.PullRequest` and the content
/// key built from it): a listed PR as GitHub sends it carries its description (`body`, up to 64 KB
/// written by the PR's author), two full repository objects and more, and a listing is kept
/// between passes (`ConditionalPageCache`) for every open PR of every listed repository. Cut down,
/// 10,000 open PRs cost a few MB instead of hundreds. The cut keeps a field's value as it came,
/// whatever its type, so a malformed PR fails to decode exactly as the full one would.
public struct ListedPullRequest: Sendable, Equatable {
    public var pullRequest: PullRequestEvent.PullRequest
    public var json: Data

    public init(pullRequest: PullRequestEvent.PullRequest, json: Data) {
        self.pullRequest = pullRequest
        self.json = json
    }

    /// A page element (a JSON object as `JSONSerialization` reads it), cut to `readFields`, then decoded.
    /// - Throws: `WebhookPayloadError` naming the field when it is not a pull request.
    static func keepingReadFields(of element: Any) throws -> ListedPullRequest {
        let kept = Field.object(readFields).cut(element)
        let json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: kept, options: [.fragmentsAllowed, .sortedKeys])
        } catch {
            throw WebhookPayloadError(path: "", reason: "not a JSON value: \(error)")
        }
        return ListedPullRequest(pullRequest: try WebhookPayloadError.decoding(PullRequestEvent.PullRequest.self, from: json), json: json)
    }

    /// What prenv reads of a pull request: the coding keys of `PullRequestEvent.PullRequest` and
    /// the types it nests. A field added there must be added here (a test decodes both ways).
    static let readFields: [String: Field] = [
        "number": .value, "state": .value, "merged": .value, "updated_at": .value,
        "head": .object(["sha": .value, "ref": .value, "repo": .object(["full_name": .value, "fork": .value])]),
        "base": .object(["ref": .value, "repo": .object(["full_name": .value])]),
        "user": .object(["login": .value]),
        "labels": .array(of: .object(["name": .value])),
    ]

    /// A shape to keep of a JSON value.
    indirect enum Field: Sendable {
        /// The value as it is.
        case value
        /// Only these keys of an object.
        case object([String: Field])
        /// Each element cut to one shape.
        case array(of: Field)

        /// `json` cut to this shape; a value of another type than the shape expects (a string where
        /// an object belongs, null) is kept as it is, for decoding to report.
        func cut(_ json: Any) -> Any {
            switch self {
            case .value:
                return json
            case .object(let fields):
                guard let object = json as? [String: Any] else { return json }
                var kept: [String: Any] = [:]
                for (key, field) in fields {
                    if let value = object[key] { kept[key] = field.cut(value) }
                }
                return kept
            case .array(let element):
                guard let array = json as? [Any] else { return json }
                return array.map { element.cut($0) }
            }
        }
    }
}
