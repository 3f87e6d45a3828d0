/// `status:`: what prenv shows on a pull request for this blueprint, and where its links lead.
public struct StatusSettings: Sendable, Hashable {
    /// `status.detail`: which commit statuses prenv posts. Each status is a GitHub write, and
    /// GitHub allows about 80 a minute and 500 an hour per token; the full detail lives in the PR
    /// comment and `/api/environments` either way.
    public enum Detail: String, Sendable, Hashable, CaseIterable {
        /// One context, `prenv/<blueprint>`.
        case summary
        /// The summary, plus each pipeline stage once it finishes (`prenv/<blueprint>/<node>/<stage>`).
        case stages
        /// Every resource's start and end and every stage transition (prenv's behaviour before `detail`).
        case all
    }

    public static let defaultDetail = Detail.stages

    public var detail: Detail
    /// `status.target_url`: where the summary commit status links to, e.g. the site's URL.
    public var targetURL: Template?
    /// `status.environment_url`: the deployment's URL (GitHub's "View deployment" button); defaults
    /// to `target_url`. The same rules as `target_url` apply (see `StatusTargetURL`).
    public var environmentURL: Template?

    public init(detail: Detail = Self.defaultDetail, targetURL: Template? = nil, environmentURL: Template? = nil) {
        self.detail = detail
        self.targetURL = targetURL
        self.environmentURL = environmentURL
    }

    /// The deployment's URL template: `environment_url`, else `target_url`.
    public var deploymentURL: Template? { environmentURL ?? targetURL }
}
