/// The kinds of AWS resource a blueprint can create; raw values are what authors write in `type:`.
public enum ResourceType: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case s3Prefix = "aws/s3-prefix"
    case codeBuildProject = "aws/codebuild-project"
    case codePipeline = "aws/codepipeline"
    case cloudFormationStack = "aws/cloudformation-stack"

    public var description: String { rawValue }

    /// Outputs every resource of this type has once created; the providers promise to set them.
    public var fixedOutputs: [String] {
        switch self {
        case .s3Prefix: ["bucket", "prefix", "uri"]
        case .codeBuildProject: ["name", "arn"]
        case .codePipeline: ["name", "arn", "execution_id"]
        case .cloudFormationStack: ["stack_id"]
        }
    }

    /// Whether `${id.outputs.<key>}` can exist for this type.
    ///
    /// A stack has whatever outputs its template declares (unknowable without reading AWS), and a
    /// pipeline has one `stage.<StageName>` output per stage of its template, set only after a run.
    public func hasOutput(_ key: String) -> Bool {
        if fixedOutputs.contains(key) { return true }
        switch self {
        case .cloudFormationStack: return true
        case .codePipeline: return key.hasPrefix("stage.") && key.count > "stage.".count
        case .s3Prefix, .codeBuildProject: return false
        }
    }
}
