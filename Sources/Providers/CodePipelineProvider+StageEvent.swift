extension CodePipelineProvider {
    /// One stage transition of the execution prenv started, for per-stage commit statuses.
    ///
    /// Every stage the execution reaches yields `InProgress` first and then its final status, each
    /// once and in pipeline order, even when a poll missed the start (a stage shorter than the
    /// polling interval).
    public struct StageEvent: Sendable, Hashable {
        public var pipeline: String
        public var executionId: String
        public var stage: String
        /// AWS's stage status: `InProgress`, `Succeeded`, `Failed`, `Stopping`, `Stopped`, …
        public var status: String
        /// The failing action's error message, or an action's summary; nil when AWS gave none.
        public var summary: String?
        /// The blueprint node the pipeline belongs to, so per-stage statuses can be named after it.
        public var node: String

        public init(pipeline: String, executionId: String, stage: String, status: String, summary: String? = nil, node: String = "") {
            self.node = node
            self.pipeline = pipeline
            self.executionId = executionId
            self.stage = stage
            self.status = status
            self.summary = summary
        }
    }
}
