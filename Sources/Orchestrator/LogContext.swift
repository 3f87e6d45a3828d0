/// What a log line is about, carried as a task-local so every line of one delivery's work says so
/// without threading a parameter through the supervisor, executor, providers and AWS client: the
/// logging backend's metadata provider (set up by the composition root) adds these fields to every
/// line logged in the task and in the child tasks and `Task {}`s it creates.
///
/// Task-locals do not cross queues: a detached task, an actor-held queue or a stream consumer does
/// not inherit them. Where work is queued (the inbox between intake and the worker's drain, an
/// operation launched after a batch, the status write queue) the delivery id is carried explicitly
/// and the context set again (`withValue`) where the work is picked up.
///
/// Lives in the engine because the executor adds `resource` and the supervisor the rest; it is a
/// plain value, so the engine still imports no logging backend.
public struct LogContext: Sendable, Hashable {
    /// The fields, in one shared box: a context is copied into every GitHub write queued under it
    /// (`GitHubWrite.logContext`), and writes wait hours behind GitHub's budget when thousands of PRs
    /// open at once. Boxed, a copy is one reference to the box the task-local holds (8 bytes, no
    /// allocation) instead of four texts and a number inline (80 bytes) in each queued write.
    /// Changing a field makes a new box, so a context shared with queued writes never changes under them.
    private final class Fields: Sendable {
        let values: Values
        init(_ values: Values) { self.values = values }
    }

    private struct Values: Sendable, Hashable {
        var delivery: String?
        var repository: String?
        var pullRequest: Int?
        var blueprint: String?
        var resource: String?
    }

    private var fields: Fields

    private mutating func change(_ body: (inout Values) -> Void) {
        var values = fields.values
        body(&values)
        fields = Fields(values)
    }

    /// The `X-GitHub-Delivery` id of the webhook whose work this is. For an operation started by
    /// several coalesced events, the newest event's delivery (the one whose state the operation
    /// converges on); nil for work no delivery caused (a restart's resume, the reconciler, the PR poll).
    public var delivery: String? {
        get { fields.values.delivery }
        set { change { $0.delivery = newValue } }
    }
    /// `owner/name`.
    public var repository: String? {
        get { fields.values.repository }
        set { change { $0.repository = newValue } }
    }
    public var pullRequest: Int? {
        get { fields.values.pullRequest }
        set { change { $0.pullRequest = newValue } }
    }
    public var blueprint: String? {
        get { fields.values.blueprint }
        set { change { $0.blueprint = newValue } }
    }
    /// The blueprint resource id the executor is working on.
    public var resource: String? {
        get { fields.values.resource }
        set { change { $0.resource = newValue } }
    }

    public init(delivery: String? = nil, repository: String? = nil, pullRequest: Int? = nil, blueprint: String? = nil, resource: String? = nil) {
        fields = Fields(Values(delivery: delivery, repository: repository, pullRequest: pullRequest, blueprint: blueprint, resource: resource))
    }

    public static func == (lhs: LogContext, rhs: LogContext) -> Bool {
        lhs.fields === rhs.fields || lhs.fields.values == rhs.fields.values
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(fields.values) }

    /// The context of the current task, if any.
    @TaskLocal public static var current: LogContext?

    /// The context of work on one environment caused by `delivery`.
    public static func environment(_ key: EnvironmentKey, delivery: String?) -> LogContext {
        LogContext(delivery: delivery, repository: key.repository, pullRequest: key.pr, blueprint: key.blueprint)
    }

    /// The current context with `resource` set.
    public static func resource(_ id: String) -> LogContext {
        var context = current ?? LogContext()
        context.resource = id
        return context
    }
}
