import AWSCore

/// Edits of pipeline declarations as `JSONValue` trees, namespaced so they cannot clash with helpers
/// of other providers in this module.
enum CodePipelineJSON {
    typealias Object = [String: JSONValue]

    /// Applies `transform` to every action of every stage (given the stage's name), keeping every
    /// other member and the order of stages and actions.
    static func mapActions<E: Error>(
        _ declaration: Object, _ transform: (_ stage: String, _ action: inout Object) throws(E) -> Void
    ) throws(E) -> Object {
        guard let stages = declaration["stages"]?.arrayValue else { return declaration }
        var rewritten: [JSONValue] = []
        for stage in stages {
            guard var stageObject = stage.objectValue, let actions = stageObject["actions"]?.arrayValue else {
                rewritten.append(stage)
                continue
            }
            let stageName = stageObject["name"]?.stringValue ?? ""
            var newActions: [JSONValue] = []
            for action in actions {
                guard var actionObject = action.objectValue else {
                    newActions.append(action)
                    continue
                }
                try transform(stageName, &actionObject)
                newActions.append(.object(actionObject))
            }
            stageObject["actions"] = .array(newActions)
            rewritten.append(.object(stageObject))
        }
        var result = declaration
        result["stages"] = .array(rewritten)
        return result
    }

    /// Every action of every stage, in order, for reading.
    static func actions(_ declaration: Object) -> [Object] {
        (declaration["stages"]?.arrayValue ?? []).flatMap { ($0["actions"]?.arrayValue ?? []).compactMap(\.objectValue) }
    }
}

/// What prenv rewrites in an action, decided from its `actionTypeId`.
enum CodePipelineActionKind: Equatable {
    /// CodeStar connections: GitHub (version 2), Bitbucket, GitLab, GitHub Enterprise.
    case codeStarSource
    /// GitHub version 1 (owner `ThirdParty`): an OAuth token in the configuration.
    case gitHubV1Source
    case codeCommitSource
    case s3Source
    case codeBuild
    case other

    init(_ action: CodePipelineJSON.Object) {
        let type = action["actionTypeId"]?.objectValue ?? [:]
        let category = type["category"]?.stringValue
        // The owner matters: a `Custom` action type named `CodeBuild` is somebody's job worker.
        switch (category, type["provider"]?.stringValue, type["owner"]?.stringValue) {
        case ("Source", "CodeStarSourceConnection", "AWS"): self = .codeStarSource
        case ("Source", "GitHub", "ThirdParty"): self = .gitHubV1Source
        case ("Source", "CodeCommit", "AWS"): self = .codeCommitSource
        case ("Source", "S3", "AWS"): self = .s3Source
        case (_, "CodeBuild", "AWS"): self = .codeBuild
        default: self = .other
        }
    }

    /// The configuration member that names the branch, for the source actions that track one.
    var branchKey: String? {
        switch self {
        case .codeStarSource, .codeCommitSource: "BranchName"
        case .gitHubV1Source: "Branch"
        case .s3Source, .codeBuild, .other: nil
        }
    }

    /// Source actions prenv points at the PR's branch (or, for S3, the branch's key).
    var isRewrittenSource: Bool {
        switch self {
        case .codeStarSource, .gitHubV1Source, .codeCommitSource, .s3Source: true
        case .codeBuild, .other: false
        }
    }

    /// Source actions a V2 execution can pin to a commit (`revisionType` COMMIT_ID).
    var acceptsCommitID: Bool { self == .codeStarSource || self == .codeCommitSource }
}
