import AWSCore
import Blueprint
import Foundation

/// The properties of one `aws/codepipeline` resource, read once with errors that name the property.
struct CodePipelineSettings: Sendable, Hashable {
    /// The clone's name (already sanitised by the blueprint).
    var name: String
    /// The existing pipeline to copy.
    var template: String
    /// Set on every branch-bearing source action; passed to AWS as is.
    var branch: String?
    /// Replaces the artifact bucket(s) when given.
    var artifactStore: String?
    /// Template CodeBuild project name → this environment's project.
    var replaceProjects: [String: String]
    /// The commit each execution runs (V2 pipelines pin it; V1 pipelines run the branch head).
    var sourceRevision: String
    /// The *name* of the environment variable holding a GitHub (version 1) OAuth token.
    var tokenEnvironmentVariable: String?
    /// Which of the template's actions the clone keeps (`drop_stages`, `keep_actions`).
    var policy: ClonePolicy

    init(_ properties: [String: RenderedValue], headSHA: String) throws(ProviderError) {
        name = try properties.requiredString("name")
        template = try properties.requiredString("template")
        branch = properties.string("branch").flatMap { $0.isEmpty ? nil : $0 }
        artifactStore = properties.string("artifact_store").flatMap { $0.isEmpty ? nil : $0 }
        replaceProjects = properties.stringMap("replace_projects")
        let revision = properties.string("source_revision") ?? ""
        sourceRevision = revision.isEmpty ? headSHA : revision
        tokenEnvironmentVariable = properties.string("github_oauth_token_env").flatMap { $0.isEmpty ? nil : $0 }
        policy = ClonePolicy(properties)
        guard name != template else {
            throw ProviderError.invalidProperty(property: "name", reason: "the clone cannot have the template's name (\(template))")
        }
    }
}

/// The template's declaration rewritten for one environment, plus what running it needs.
struct CodePipelineClone: Sendable {
    var declaration: CodePipelineJSON.Object
    /// Source actions a V2 execution is pinned to the PR's commit on.
    var commitSourceActions: [String]
    /// `pipelineType: V2`: only these accept `sourceRevisions`.
    var isV2: Bool
    /// The GitHub OAuth token written into the declaration, so errors can mask it.
    var secret: String?
    /// What happened to each action of the template.
    var decisions: [ClonePolicy.Decision]
}

extension CodePipelineSettings {
    /// Copies `template` (as GetPipeline returned it) for this environment, once `ClonePolicy` has
    /// accounted for every action, keeping every member it does not rewrite:
    /// - stages in `drop_stages` removed;
    /// - `name`; `version` dropped (read-only);
    /// - branch-bearing source actions (CodeStar connection and CodeCommit `BranchName`, GitHub v1
    ///   `Branch`) get `branch`; GitHub v1 also gets `OAuthToken` from `oauthToken` (GetPipeline
    ///   masks it as `****`, so the template's value is useless);
    /// - S3 source actions: a path segment of `S3ObjectKey` equal to the template's branch (from its
    ///   other source actions) is replaced, so `builds/main/app.zip` becomes `builds/<branch>/app.zip`;
    ///   a key without that segment is kept (a whole-segment match, so `main` never hits `maintenance`);
    /// - every CodeBuild action's `ProjectName` is mapped through `replace_projects`; a key that no
    ///   action uses is an error (almost certainly a typo that would run the template's project);
    /// - `artifactStore.location` and every `artifactStores` entry get `artifact_store` when given;
    /// - V2 push triggers filtering on branches only fire for `branch`, so pushes to `main` do not
    ///   run the PR's clone.
    func rewrite(
        _ original: CodePipelineJSON.Object, oauthToken: () throws(ProviderError) -> String
    ) throws(ProviderError) -> CodePipelineClone {
        let usedProjects = CodePipelineJSON.actions(original).filter { CodePipelineActionKind($0) == .codeBuild }
            .compactMap { $0["configuration"]?["ProjectName"]?.stringValue }
        if let unused = Set(replaceProjects.keys).subtracting(usedProjects).sorted().first {
            throw ProviderError.invalidProperty(
                property: "replace_projects",
                reason: "template pipeline \(self.template) has no CodeBuild action running project \(unused) (its CodeBuild projects: "
                    + (usedProjects.isEmpty ? "none" : usedProjects.joined(separator: ", ")) + ")")
        }
        let decisions: [ClonePolicy.Decision]
        do {
            decisions = try policy.decide(original, templateName: self.template, replacedProjects: Set(replaceProjects.keys))
        } catch {
            throw ProviderError.refused(reason: error.description)
        }
        let template = policy.dropping(original)
        var declaration = template
        declaration["name"] = .string(name)
        declaration["version"] = nil
        if let artifactStore { declaration = Self.relocatingArtifacts(declaration, to: artifactStore) }
        let templateBranch = CodePipelineJSON.actions(template).lazy.compactMap { action -> String? in
            CodePipelineActionKind(action).branchKey.flatMap { action["configuration"]?[$0]?.stringValue }
        }.first
        var token: String?
        var commitSources: [String] = []
        declaration = try CodePipelineJSON.mapActions(declaration) { (stage: String, action: inout CodePipelineJSON.Object) throws(ProviderError) in
            // Kept on purpose means kept verbatim: the blueprint author chose this action as it is.
            if policy.keepActions.contains(stage + "/" + (action["name"]?.stringValue ?? "")) { return }
            let kind = CodePipelineActionKind(action)
            var configuration = action["configuration"]?.objectValue ?? [:]
            if let key = kind.branchKey, let branch { configuration[key] = .string(branch) }
            if kind.acceptsCommitID, let actionName = action["name"]?.stringValue { commitSources.append(actionName) }
            switch kind {
            case .gitHubV1Source:
                // Resolved once, and only when the template needs it.
                let value: String
                if let token { value = token } else { value = try oauthToken() }
                token = value
                configuration["OAuthToken"] = .string(value)
            case .s3Source:
                if let branch, let templateBranch, let key = configuration["S3ObjectKey"]?.stringValue {
                    configuration["S3ObjectKey"] = .string(Self.replacingSegment(templateBranch, with: branch, in: key))
                }
            case .codeBuild:
                if let project = configuration["ProjectName"]?.stringValue, let replacement = replaceProjects[project] {
                    configuration["ProjectName"] = .string(replacement)
                }
            case .codeStarSource, .codeCommitSource, .other:
                break
            }
            if action["configuration"] != nil || !configuration.isEmpty { action["configuration"] = .object(configuration) }
        }
        declaration = Self.retargetingTriggers(declaration, to: branch)
        return CodePipelineClone(
            declaration: declaration, commitSourceActions: commitSources, isV2: declaration["pipelineType"]?.stringValue == "V2", secret: token,
            decisions: decisions)
    }

    static func replacingSegment(_ old: String, with new: String, in key: String) -> String {
        key.split(separator: "/", omittingEmptySubsequences: false).map { $0 == old ? new : String($0) }.joined(separator: "/")
    }

    static func relocatingArtifacts(_ declaration: CodePipelineJSON.Object, to bucket: String) -> CodePipelineJSON.Object {
        var result = declaration
        if var store = declaration["artifactStore"]?.objectValue {
            store["location"] = .string(bucket)
            result["artifactStore"] = .object(store)
        }
        if var stores = declaration["artifactStores"]?.objectValue {
            for (region, value) in stores {
                guard var store = value.objectValue else { continue }
                store["location"] = .string(bucket)
                stores[region] = .object(store)
            }
            result["artifactStores"] = .object(stores)
        }
        return result
    }

    /// V2 triggers that start the clone on their own: each push filter fires for `branch` only (its
    /// `filePaths` kept, branch and tag filters replaced), and pull-request triggers are removed, since
    /// they would run *other* PRs' commits in this PR's environment. A trigger left with nothing to
    /// fire on is removed; without a branch, every trigger is.
    static func retargetingTriggers(_ declaration: CodePipelineJSON.Object, to branch: String?) -> CodePipelineJSON.Object {
        guard let triggers = declaration["triggers"]?.arrayValue else { return declaration }
        var result = declaration
        result["triggers"] = .array(triggers.compactMap { trigger -> JSONValue? in
            guard let branch, var object = trigger.objectValue, var git = object["gitConfiguration"]?.objectValue else { return nil }
            git["pullRequest"] = nil
            let pushes = (git["push"]?.arrayValue ?? []).map { push -> JSONValue in
                var filter: CodePipelineJSON.Object = ["branches": ["includes": [.string(branch)]]]
                if let paths = push["filePaths"] { filter["filePaths"] = paths }
                return .object(filter)
            }
            guard !pushes.isEmpty else { return nil }
            git["push"] = .array(pushes)
            object["gitConfiguration"] = .object(git)
            return .object(object)
        })
        return result
    }
}

extension CodePipelineClone {
    /// Whether `current` (as GetPipeline returns it) already is this declaration, so no
    /// UpdatePipeline is needed. `version` is ignored (AWS bumps it), and so is every `OAuthToken`:
    /// AWS returns it as `****`, so a changed token alone does not cause an update.
    func matches(_ current: CodePipelineJSON.Object) -> Bool {
        Self.comparable(current) == Self.comparable(declaration)
    }

    static func comparable(_ declaration: CodePipelineJSON.Object) -> CodePipelineJSON.Object {
        var result = CodePipelineJSON.mapActions(declaration) { (_: String, action: inout CodePipelineJSON.Object) in
            guard var configuration = action["configuration"]?.objectValue, configuration["OAuthToken"] != nil else { return }
            configuration["OAuthToken"] = "****"
            action["configuration"] = .object(configuration)
        }
        result["version"] = nil
        return result
    }

    /// Runs a call whose request carries the OAuth token. AWS validation messages may quote request
    /// values, so any error comes back with the token masked.
    func maskingSecret<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as AWSError {
            guard let secret, !secret.isEmpty, error.message.contains(secret) else { throw error }
            var masked = error
            masked.message = error.message.replacingOccurrences(of: secret, with: "****")
            throw masked
        }
    }
}
