import Blueprint

/// Which commit statuses a blueprint's `status.detail` lets out. Each status is a GitHub write, and
/// GitHub allows about 80 a minute and 500 an hour per token; the full detail lives in the PR
/// comment and `/api/environments` whatever the level.
///
/// | status                               | summary | stages | all |
/// |--------------------------------------|---------|--------|-----|
/// | `prenv/<bp>` (any state)             | yes     | yes    | yes |
/// | `prenv/<bp>/<node>` (start, end)     | no      | no     | yes |
/// | `prenv/<bp>/<node>/<stage>` running  | no      | no     | yes |
/// | `prenv/<bp>/<node>/<stage>` finished | no      | yes    | yes |
///
/// "Finished" is a stage that succeeded, failed or stopped: at `stages` a stage's status appears
/// once, when there is something final to say (its in-progress would cost a write per stage for
/// what the summary's `pending` already says).
public enum StatusDetailFilter {
    public enum Narrated: Sendable, Equatable {
        case summary
        case resource
        /// A pipeline stage, with the service's status (`InProgress`, `Succeeded`, …).
        case stage(status: String)
    }

    public static func posts(_ narrated: Narrated, at detail: StatusSettings.Detail) -> Bool {
        switch (narrated, detail) {
        case (.summary, _), (_, .all): true
        case (.resource, _): false
        case (.stage, .summary): false
        case (.stage(let status), .stages): isFinished(stage: status)
        }
    }

    /// CodePipeline's final stage statuses (`Stopping` is not final: `Stopped` follows).
    public static func isFinished(stage status: String) -> Bool {
        ["Succeeded", "Failed", "Stopped", "Cancelled", "Superseded"].contains(status)
    }
}
