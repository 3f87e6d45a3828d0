import AWSCore
import Blueprint

/// What a per-PR clone of a template pipeline may run. A PR's commit flows through every action of
/// its clone, so an action that deploys, invokes, approves or assumes a role in the template would
/// do so with untrusted code. Every action must therefore be accounted for:
/// - a source action prenv rewrites to the PR's branch (CodeStar connection, GitHub v1, CodeCommit, S3);
/// - a CodeBuild action whose project `replace_projects` maps to this environment's project;
/// - an action the blueprint keeps on purpose (`keep_actions: ["Stage/Action"]`, verbatim);
/// - or it is gone with its stage (`drop_stages: [Stage]`).
/// An action-level `roleArn` is accounted for only by `keep_actions`: prenv never carries a role
/// along silently. Stage conditions (`beforeEntry`, `onSuccess`, `onFailure` rules: Lambda invokes,
/// shell commands, each with a role of its own) run too: they are kept only as `Stage/onSuccess` (…)
/// in `keep_actions`, and a stage member prenv does not know is refused. Anything else fails the
/// apply before the clone exists.
struct ClonePolicy: Sendable, Hashable {
    var dropStages: [String]
    var keepActions: [String]

    /// One action of the template and what the clone does with it (for `prenv plan` and errors).
    struct Decision: Sendable, Hashable {
        enum Outcome: String, Sendable, Hashable {
            case rewrittenSource = "source, rewritten to the PR's branch"
            case replacedProject = "CodeBuild, runs this environment's project"
            case kept = "kept verbatim (keep_actions)"
            case dropped = "dropped with its stage (drop_stages)"
        }

        var stage: String
        var action: String
        var category: String
        var provider: String
        var outcome: Outcome
    }

    /// An action the blueprint has not accounted for.
    struct Unaccounted: Sendable, Hashable {
        var stage: String
        var action: String
        var category: String
        var provider: String
        /// Why it is refused: "not a rewritten source or a replaced CodeBuild project", "has its own roleArn …".
        var reason: String
    }

    /// Every problem found, so one apply reports them all.
    struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        var template: String
        var unaccounted: [Unaccounted]
        var unknownStages: [String]
        var unknownActions: [String]

        var description: String {
            var parts: [String] = []
            for item in unaccounted {
                parts.append("template pipeline \(template) stage \(item.stage) action \(item.action) (category \(item.category), "
                    + "provider \(item.provider)) \(item.reason); drop its stage with `drop_stages: [\(item.stage)]`, or keep it "
                    + "deliberately with `keep_actions: [\"\(item.stage)/\(item.action)\"]`")
            }
            if !unknownStages.isEmpty {
                parts.append("`drop_stages` names no stage of template pipeline \(template): " + unknownStages.joined(separator: ", "))
            }
            if !unknownActions.isEmpty {
                parts.append("`keep_actions` names no action of template pipeline \(template) (write Stage/Action): "
                    + unknownActions.joined(separator: ", "))
            }
            return parts.joined(separator: "; ")
        }
    }

    /// Decides every action of `template`, or throws every violation at once.
    /// - Parameter replacedProjects: the template's CodeBuild projects that `replace_projects` maps.
    func decide(_ template: CodePipelineJSON.Object, templateName: String, replacedProjects: Set<String>) throws(Violation) -> [Decision] {
        let stages = (template["stages"]?.arrayValue ?? []).compactMap(\.objectValue)
        let stageNames = Set(stages.compactMap { $0["name"]?.stringValue })
        var actionNames: Set<String> = []
        var decisions: [Decision] = []
        var unaccounted: [Unaccounted] = []
        for stage in stages {
            let stageName = stage["name"]?.stringValue ?? ""
            for member in stage.keys.sorted() where !Self.plainStageMembers.contains(member) {
                actionNames.insert(stageName + "/" + member)
                guard !dropStages.contains(stageName) else { continue }
                let rules = Self.conditionRules(stage[member])
                if let rules, rules.isEmpty { continue }  // `onFailure: {result: ROLLBACK}` runs nothing
                let providers = (rules ?? []).map { $0["ruleTypeId"]?["provider"]?.stringValue ?? "?" }
                if keepActions.contains(stageName + "/" + member) {
                    decisions.append(Decision(stage: stageName, action: member, category: "Condition",
                                              provider: providers.joined(separator: ", "), outcome: .kept))
                } else {
                    unaccounted.append(Unaccounted(
                        stage: stageName, action: member, category: "Condition", provider: providers.isEmpty ? "?" : providers.joined(separator: ", "),
                        reason: rules == nil ? "is a stage member prenv does not know, which may run with the PR's commit"
                            : "holds conditions whose rules run with the PR's commit"))
                }
            }
            for action in (stage["actions"]?.arrayValue ?? []).compactMap(\.objectValue) {
                let name = action["name"]?.stringValue ?? ""
                actionNames.insert(stageName + "/" + name)
                let type = action["actionTypeId"]?.objectValue ?? [:]
                let category = type["category"]?.stringValue ?? "?", provider = type["provider"]?.stringValue ?? "?"
                let decided: (Decision.Outcome) -> Void = {
                    decisions.append(Decision(stage: stageName, action: name, category: category, provider: provider, outcome: $0))
                }
                let refuse: (String) -> Void = {
                    unaccounted.append(Unaccounted(stage: stageName, action: name, category: category, provider: provider, reason: $0))
                }
                if dropStages.contains(stageName) {
                    decided(.dropped)
                } else if keepActions.contains(stageName + "/" + name) {
                    decided(.kept)
                } else if let role = action["roleArn"]?.stringValue {
                    refuse("has its own roleArn (\(role)), which the PR's code would run as")
                } else if CodePipelineActionKind(action).isRewrittenSource {
                    decided(.rewrittenSource)
                } else if CodePipelineActionKind(action) == .codeBuild {
                    let project = action["configuration"]?["ProjectName"]?.stringValue ?? ""
                    if replacedProjects.contains(project) {
                        decided(.replacedProject)
                    } else {
                        refuse("runs CodeBuild project \(project), which `replace_projects` does not map to a project of this environment")
                    }
                } else {
                    refuse("is not a source prenv rewrites or a CodeBuild action with a replaced project")
                }
            }
        }
        let violation = Violation(
            template: templateName, unaccounted: unaccounted,
            unknownStages: dropStages.filter { !stageNames.contains($0) },
            unknownActions: keepActions.filter { !actionNames.contains($0) })
        guard violation.unaccounted.isEmpty, violation.unknownStages.isEmpty, violation.unknownActions.isEmpty else { throw violation }
        return decisions
    }

    /// Stage members that run nothing themselves.
    static let plainStageMembers: Set<String> = ["name", "actions", "blockers"]

    /// The rules of a `beforeEntry`/`onSuccess`/`onFailure` member; nil when the member has another shape.
    static func conditionRules(_ member: JSONValue?) -> [CodePipelineJSON.Object]? {
        guard let object = member?.objectValue, Set(object.keys).isSubset(of: ["conditions", "result", "retryConfiguration"]) else {
            return nil
        }
        let conditions = (object["conditions"]?.arrayValue ?? []).compactMap(\.objectValue)
        let rules = conditions.flatMap { ($0["rules"]?.arrayValue ?? []).compactMap(\.objectValue) }
        // A condition without readable rules still decides the stage: count it as one unknown rule.
        return conditions.isEmpty ? [] : (rules.isEmpty ? [[:]] : rules)
    }

    /// `template` without the dropped stages.
    func dropping(_ template: CodePipelineJSON.Object) -> CodePipelineJSON.Object {
        guard !dropStages.isEmpty, let stages = template["stages"]?.arrayValue else { return template }
        var result = template
        result["stages"] = .array(stages.filter { stage in
            !(stage["name"]?.stringValue.map(dropStages.contains) ?? false)
        })
        return result
    }
}

extension ClonePolicy {
    /// The policy a resource's properties spell (`drop_stages`, `keep_actions`).
    init(_ properties: [String: RenderedValue]) {
        self.init(dropStages: properties.stringList("drop_stages"), keepActions: properties.stringList("keep_actions"))
    }
}

/// The policy as the provider shows it: in the run's log, and before anything exists in `prenv plan`.
extension CodePipelineProvider {
    /// Reads the template and says what the clone would keep and drop, or why the apply would refuse it.
    public func preview(_ properties: [String: RenderedValue]) async throws -> [String] {
        guard let template = properties.string("template") else { return [] }
        let policy = ClonePolicy(properties)
        let declaration = try await pipelines.getPipeline(name: template).pipeline
        do {
            // At plan time the replacements are often `(known after apply)`; which projects are
            // replaced is known from the keys alone.
            var replaced: Set<String> = []
            if case let .map(values)? = properties["replace_projects"] { replaced = Set(values.keys) }
            let decisions = try policy.decide(declaration, templateName: template, replacedProjects: replaced)
            return decisions.map { "\($0.outcome == .dropped ? "drops" : "keeps") \($0.stage)/\($0.action) "
                + "(\($0.category) \($0.provider)): \($0.outcome.rawValue)" }
        } catch {
            return ["refused: \(error.description)"]
        }
    }

    /// One line saying what the clone kept and dropped, so the run's log shows the policy applied.
    static func describe(_ decisions: [ClonePolicy.Decision], template: String) -> String {
        let kept = decisions.filter { $0.outcome != .dropped }.map { "\($0.stage)/\($0.action)" }
        let dropped = decisions.filter { $0.outcome == .dropped }.map { "\($0.stage)/\($0.action)" }
        return "cloning \(template): keeps " + (kept.isEmpty ? "nothing" : kept.joined(separator: ", "))
            + (dropped.isEmpty ? "" : "; drops " + dropped.joined(separator: ", "))
    }
}
