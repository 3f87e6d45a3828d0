import AWSCore
import AWSServices
import Blueprint
import Orchestrator

/// `aws/codebuild-project`: a CodeBuild project for one environment, copied from a template
/// project or defined inline.
///
/// A project with the wanted name is adopted only when its tags say this environment manages it
/// (a retry after a crash, or a record lost); anything else with that name is refused. Updates send
/// the whole desired definition, and only when something differs, so re-applying writes nothing.
public struct CodeBuildProjectProvider: ResourceProvider {
    public var type: ResourceType { .codeBuildProject }
    let codeBuild: CodeBuild

    public init(client: AWSClient) {
        codeBuild = CodeBuild(client: client)
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResult {
        let spec = try CodeBuildProjectSpec(properties: request.properties)
        request.progress("looking up project \(spec.name)" + (spec.template.map { " and template \($0)" } ?? ""))
        let found = try await codeBuild.batchGetProjects(names: [spec.name] + (spec.template.map { [$0] } ?? [])).projects ?? []
        let desired = try desiredDocument(spec, found: found, context: request.context)
        let project: CodeBuild.Project
        if let existing = Self.project(named: spec.name, in: found) {
            project = try await converge(existing, to: desired, spec: spec, request: request)
        } else {
            project = try await create(desired, spec: spec, request: request)
        }
        let arn = project["arn"]?.stringValue ?? ""
        return ApplyResult(outputs: ["name": spec.name, "arn": arn], physicalName: spec.name)
    }

    /// The definition to converge to: the template's copy, or the inline definition.
    func desiredDocument(_ spec: CodeBuildProjectSpec, found: [CodeBuild.Project], context: ProvisionContext) throws -> [String: JSONValue] {
        if let templateName = spec.template {
            guard let template = Self.project(named: templateName, in: found) else {
                throw ProviderError.invalidProperty(
                    property: "template", reason: "template CodeBuild project `\(templateName)` does not exist (BatchGetProjects did not find it)")
            }
            return try spec.templateDocument(template, tags: context.tags)
        }
        guard let inline = spec.inline else {
            throw ProviderError.invalidProperty(property: "template", reason: "give `template` or an inline `source`, `environment` and `service_role`")
        }
        return spec.inlineDocument(inline, tags: context.tags)
    }

    /// Adopts an existing project of this environment and updates it when it differs.
    func converge(
        _ existing: CodeBuild.Project, to desired: [String: JSONValue], spec: CodeBuildProjectSpec, request: ApplyRequest
    ) async throws -> CodeBuild.Project {
        try Self.requireOwned(existing, name: spec.name, context: request.context)
        if request.action == .create { request.progress("adopting project \(spec.name), already tagged for this environment") }
        var propertiesChanged = false
        if case .update(let changed) = request.action { propertiesChanged = !changed.isEmpty }
        guard propertiesChanged || !Self.matches(existing, desired: desired) else {
            request.progress("project \(spec.name) is up to date")
            return existing
        }
        request.progress("updating project \(spec.name)")
        var updated = try await codeBuild.updateProject(desired)
        if updated["arn"] == nil { updated["arn"] = existing["arn"] }
        return updated
    }

    /// CreateProject; a name clash (a concurrent or retried create) is re-read and converged instead.
    func create(_ desired: [String: JSONValue], spec: CodeBuildProjectSpec, request: ApplyRequest) async throws -> CodeBuild.Project {
        request.progress("creating project \(spec.name)" + (spec.template.map { " as a copy of \($0)" } ?? ""))
        do {
            return try await codeBuild.createProject(desired)
        } catch let error as AWSError {
            guard error.code == "ResourceAlreadyExistsException" else { throw error }
            let found = try await codeBuild.batchGetProjects(names: [spec.name]).projects ?? []
            guard let existing = Self.project(named: spec.name, in: found) else { throw error }
            return try await converge(existing, to: desired, spec: spec, request: request)
        }
    }

    static func project(named name: String, in projects: [CodeBuild.Project]) -> CodeBuild.Project? {
        projects.first { $0["name"]?.stringValue == name }
    }

    static func requireOwned(_ project: CodeBuild.Project, name: String, context: ProvisionContext) throws(ProviderError) {
        let tags = tags(of: project)
        guard ManagedTags.isOwned(tags, by: context) else {
            throw ProviderError.foreignResource(kind: "CodeBuild project", name: name, detail: ManagedTags.ownershipDetail(tags, context: context))
        }
    }
}

extension CodeBuildProjectProvider {
    /// Deletes the recorded project, but only after its tags confirm this environment owns it:
    /// the name alone proves nothing (someone may have deleted ours and made their own since).
    public func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
        guard let name = record.outputs["name"] ?? record.physicalName ?? record.properties.string("name"), !name.isEmpty else {
            throw ProviderError.invalidProperty(property: "name", reason: "the record names no CodeBuild project")
        }
        progress("checking project \(name)")
        let found = try await codeBuild.batchGetProjects(names: [name]).projects ?? []
        guard let project = Self.project(named: name, in: found) else {
            progress("project \(name) is gone; nothing to delete")
            return
        }
        try Self.requireOwned(project, name: name, context: context)
        progress("deleting project \(name)")
        do {
            try await codeBuild.deleteProject(name: name)
        } catch let error as AWSError {
            if !error.isNotFound { throw error }
        }
    }
}

extension CodeBuildProjectProvider {
    /// A project's tags as a dictionary (`tags` is a list of `{key, value}`; moto may send null).
    static func tags(of project: CodeBuild.Project) -> [String: String] {
        var tags: [String: String] = [:]
        for tag in project["tags"]?.arrayValue ?? [] {
            if let key = tag["key"]?.stringValue { tags[key] = tag["value"]?.stringValue ?? "" }
        }
        return tags
    }

    /// Whether `actual` already is what `desired` describes, so an update would change nothing.
    ///
    /// Every member prenv sets must be present and equal; members AWS adds on its own (defaults such
    /// as `source.gitCloneDepth`, `encryptionKey`) are ignored, so re-applying an unchanged
    /// definition makes no write call. Tags are compared as a set.
    static func matches(_ actual: CodeBuild.Project, desired: [String: JSONValue]) -> Bool {
        guard tags(of: actual) == tags(of: desired) else { return false }
        return desired.allSatisfy { key, value in
            switch key {
            case "tags": true
            // Written as `badgeEnabled`, read back as `badge.badgeEnabled`.
            case "badgeEnabled": (actual["badge"]?["badgeEnabled"] ?? .bool(false)) == value
            default: contains(actual[key] ?? .null, value)
            }
        }
    }

    private static func contains(_ actual: JSONValue, _ desired: JSONValue) -> Bool {
        switch (actual, desired) {
        case (.object(let actual), .object(let desired)):
            desired.allSatisfy { key, value in contains(actual[key] ?? .null, value) }
        case (.array(let actual), .array(let desired)):
            actual.count == desired.count && zip(actual, desired).allSatisfy { contains($0, $1) }
        case (.null, .array(let desired)):
            desired.isEmpty
        default:
            actual == desired
        }
    }
}
