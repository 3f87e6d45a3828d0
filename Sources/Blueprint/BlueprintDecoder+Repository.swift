import Yams

/// What sets a blueprint read from a repository's `.prenv/` apart from a server-side one: the
/// repository it came from and the operator's policy for that repository.
struct RepositoryScope: Sendable {
    /// Every repository blueprint's name starts with it, and no server blueprint's may: status contexts,
    /// `${env.name}` and tags of the two can never be equal.
    static let namePrefix = "repo-"
    /// So that `repo-` plus the declared name stays within a blueprint name's 32 characters.
    static let maxDeclaredNameLength = 32 - namePrefix.count

    /// `owner/name`, as the snapshot spells it.
    let repository: String
    let policy: RepositoryBlueprintPolicy

    /// `on.repositories` when the blueprint leaves it out: its own repository, nothing else.
    var impliedTriggers: Triggers { Triggers(repositories: [Glob(repository)]) }
}

/// The rules a repository's blueprint obeys on top of a server blueprint's: each one keeps a pull
/// request's author (or whoever merges into the base branch) inside what the operator allowed.
extension BlueprintDecoder {
    /// `preview` → `repo-preview`.
    mutating func scopedName(_ name: String, at location: SourcePosition) -> String? {
        guard name.count <= RepositoryScope.maxDeclaredNameLength else {
            diagnostics.error(location, "the name of a blueprint read from a repository may have at most \(RepositoryScope.maxDeclaredNameLength) characters "
                + "(it is used as `\(RepositoryScope.namePrefix)\(name)`)")
            return nil
        }
        return RepositoryScope.namePrefix + name
    }

    /// `on.repositories` written out anyway: only the blueprint's own repository, spelled in full (no glob
    /// that could select another), compared case-insensitively as GitHub does.
    mutating func decodeOwnRepository(_ node: Node) -> [Glob]? {
        guard let repository else { return nil }
        guard let entries = decodeStringList(node, path: "`on.repositories`", expectation: "a list of repositories") else { return nil }
        var valid = !entries.isEmpty
        if entries.isEmpty { diagnostics.error(node.location, "`on.repositories` must list `\(repository.repository)` (or be left out)") }
        for (name, location) in entries where name.lowercased() != repository.repository.lowercased() {
            diagnostics.error(location, "a blueprint read from \(repository.repository) may only select \(repository.repository), found `\(name)` "
                + "in `on.repositories` (leave the key out: it is implied)")
            valid = false
        }
        return valid ? [Glob(repository.repository)] : nil
    }

    /// A property naming something that already exists in the account (the pipeline to clone, the
    /// artifact bucket): written in full, so the check below sees exactly what will be used, and listed
    /// in the operator's `allow_templates`.
    mutating func checkExistingName(_ template: Template, rule: PropertySchema.NameRule?, property: String, at location: SourcePosition) {
        guard let repository, case .existing = rule else { return }
        guard let name = template.literalValue else {
            diagnostics.error(location, "\(property) names an existing resource, so in a blueprint read from a repository it must be written out in full, "
                + "without `${…}`: the operator's `allow_templates` is checked against it")
            return
        }
        if !repository.policy.allows(template: name) {
            diagnostics.error(location, "`\(name)` (\(property)) is not allowed for blueprints read from \(repository.repository): "
                + "it matches none of the operator's `allow_templates` (\(Self.described(repository.policy.allowTemplates)))")
        }
    }

    /// A variable holding a secret of the prenv process: only those the operator listed in `allow_secrets`.
    mutating func checkAllowedSecret(_ variable: String, property: String, at location: SourcePosition) {
        guard let repository, !repository.policy.allows(secret: variable) else { return }
        diagnostics.error(location, "\(property) names `\(variable)`, which blueprints read from \(repository.repository) may not use: "
            + "it matches none of the operator's `allow_secrets` (\(Self.described(repository.policy.allowSecrets)))")
    }

    /// A `template_file`, by its repository path (`.prenv/stacks/site.yaml`), must match `allow_templates`.
    mutating func checkAllowedTemplateFile(_ path: String, noun: String, at location: SourcePosition) -> Bool {
        guard let repository, !repository.policy.allows(template: path) else { return true }
        diagnostics.error(location, "\(noun) `\(path)` is not allowed for blueprints read from \(repository.repository): "
            + "it matches none of the operator's `allow_templates` (\(Self.described(repository.policy.allowTemplates)))")
        return false
    }

    /// The properties that make a resource's identity (what `NameCollisions` compares) must use
    /// `${env.name}`: then every name the blueprint creates is its own environment's, and it can never
    /// name (and so adopt, change or delete) production's resource or another pull request's.
    mutating func checkIdentity(_ resource: DecodedResource, kind: ResourceKind, entries: [MappingEntry], anchor: SourcePosition) {
        let identity = kind.immutableProperties.sorted()
        guard !identity.isEmpty else { return }
        let templates = identity.compactMap { name -> Template? in
            if let template = resource.properties[name]?.template { return template }
            return kind.properties.first { $0.name == name }?.defaultValue.map { Template.parse($0).template }
        }
        guard !templates.contains(where: { $0.references.contains(.context(.envName)) }) else { return }
        // Missing identity properties are reported as missing; nothing more to say here.
        guard templates.count == identity.count else { return }
        let location = identity.lazy.compactMap { name in entries.first { $0.key == name }?.value.location }.first ?? anchor
        let spelled = identity.map { "`\($0)`" }.joined(separator: identity.count == 2 ? " or " : ", ")
        diagnostics.error(location, "\(spelled) of resource `\(resource.id)` (\(kind)) must include ${env.name} in a blueprint read from a repository, "
            + "so that it only ever names its own environment's resource, never production's or another pull request's")
    }

    static func described(_ globs: [String]) -> String {
        globs.isEmpty ? "none are allowed" : globs.map { "`\($0)`" }.joined(separator: ", ")
    }
}
