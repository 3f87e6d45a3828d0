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
    public let type = ResourceType.codeBuildProject
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
            throw ProviderError.foreignResource(kind: "CodeBuild project", name: name, detail: ManagedTags.ownershipDetail(tags))
        }
    }
}
