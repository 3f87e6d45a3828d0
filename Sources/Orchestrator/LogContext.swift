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
    /// The `X-GitHub-Delivery` id of the webhook whose work this is. For an operation started by
    /// several coalesced events, the newest event's delivery (the one whose state the operation
    /// converges on); nil for work no delivery caused (a restart's resume, the reconciler, the PR poll).
    public var delivery: String?
    /// `owner/name`.
    public var repository: String?
    public var pullRequest: Int?
    public var blueprint: String?
    /// The blueprint resource id the executor is working on.
    public var resource: String?

    public init(delivery: String? = nil, repository: String? = nil, pullRequest: Int? = nil, blueprint: String? = nil, resource: String? = nil) {
        self.delivery = delivery
        self.repository = repository
        self.pullRequest = pullRequest
        self.blueprint = blueprint
        self.resource = resource
    }

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
