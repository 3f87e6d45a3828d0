import AWSCore
import AWSServices
import Blueprint

/// The validated properties of one `aws/codebuild-project`: a template to copy, or an inline definition.
struct CodeBuildProjectSpec: Sendable, Hashable {
    struct Inline: Sendable, Hashable {
        var source: [String: JSONValue]
        var environment: [String: JSONValue]
        var serviceRole: String
    }

    var name: String
    var template: String?
    var inline: Inline?
    var sourceVersion: String?
    var environmentVariables: [String: String]
    var artifactsLocation: String?

    init(properties: [String: RenderedValue]) throws(ProviderError) {
        name = try properties.requiredString("name")
        template = properties.string("template").flatMap { $0.isEmpty ? nil : $0 }
        sourceVersion = properties.string("source_version").flatMap { $0.isEmpty ? nil : $0 }
        environmentVariables = properties.stringMap("environment_variables")
        artifactsLocation = properties.string("artifacts_location").flatMap { $0.isEmpty ? nil : $0 }
        if template == nil {
            inline = try Self.inline(properties)
        }
    }

    /// `source` + `environment` + `service_role`, in CodeBuild's member names.
    private static func inline(_ properties: [String: RenderedValue]) throws(ProviderError) -> Inline {
        guard case .map(let source)? = properties["source"], let sourceType = source.string("type") else {
            throw ProviderError.invalidProperty(property: "source", reason: "give `template`, or an inline `source` with a `type`")
        }
        guard case .map(let environment)? = properties["environment"], let image = environment.string("image") else {
            throw ProviderError.invalidProperty(property: "environment", reason: "give `template`, or an inline `environment` with an `image`")
        }
        let role = try properties.requiredString("service_role")
        var sourceDocument: [String: JSONValue] = ["type": .string(sourceType)]
        if let location = source.string("location") { sourceDocument["location"] = .string(location) }
        if let buildspec = source.string("buildspec") { sourceDocument["buildspec"] = .string(buildspec) }
        let environmentDocument: [String: JSONValue] = [
            "image": .string(image),
            "computeType": .string(environment.string("compute_type") ?? "BUILD_GENERAL1_SMALL"),
            "type": .string(environment.string("type") ?? "LINUX_CONTAINER"),
            "privilegedMode": .bool(environment.bool("privileged_mode") ?? false),
        ]
        return Inline(source: sourceDocument, environment: environmentDocument, serviceRole: role)
    }

    /// The CreateProject/UpdateProject document for an inline definition.
    func inlineDocument(_ inline: Inline, tags: [String: String]) -> [String: JSONValue] {
        var document: [String: JSONValue] = [
            "name": .string(name),
            "source": .object(inline.source),
            "environment": .object(inline.environment),
            "serviceRole": .string(inline.serviceRole),
            "artifacts": ["type": "NO_ARTIFACTS"],
        ]
        applyOverrides(to: &document, tags: tags)
        return document
    }

    /// What both forms share: name, source version, variables, artifact location, tags.
    func applyOverrides(to document: inout [String: JSONValue], tags: [String: String]) {
        document["name"] = .string(name)
        if let sourceVersion { document["sourceVersion"] = .string(sourceVersion) }
        if !environmentVariables.isEmpty, case .object(var environment)? = document["environment"] {
            environment["environmentVariables"] = .array(
                Self.merge(environment["environmentVariables"]?.arrayValue ?? [], overrides: environmentVariables))
            document["environment"] = .object(environment)
        }
        if let artifactsLocation {
            var artifacts = document["artifacts"]?.objectValue ?? [:]
            let parts = artifactsLocation.split(separator: "/", maxSplits: 1).map(String.init)
            artifacts["type"] = "S3"
            artifacts["location"] = .string(parts.first ?? artifactsLocation)
            if parts.count > 1 { artifacts["path"] = .string(parts[1]) }
            document["artifacts"] = .object(artifacts)
        }
        document["tags"] = .array(ManagedTags.sorted(tags).map { ["key": .string($0.key), "value": .string($0.value)] })
    }

    /// Overrides same-named variables in place (as PLAINTEXT), appends new ones sorted by name.
    static func merge(_ existing: [JSONValue], overrides: [String: String]) -> [JSONValue] {
        var merged = existing.map { variable -> JSONValue in
            guard let name = variable["name"]?.stringValue, let value = overrides[name] else { return variable }
            return ["name": .string(name), "value": .string(value), "type": "PLAINTEXT"]
        }
        let present = Set(existing.compactMap { $0["name"]?.stringValue })
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) where !present.contains(name) {
            merged.append(["name": .string(name), "value": .string(value), "type": "PLAINTEXT"])
        }
        return merged
    }
}

extension CodeBuildProjectSpec {
    /// Members BatchGetProjects returns that CreateProject/UpdateProject do not take (read-only or
    /// managed by other APIs). `lastModifiedDate` is moto's spelling of `lastModified`.
    static let readOnlyMembers: Set<String> = [
        "arn", "created", "lastModified", "lastModifiedDate", "badge", "webhook",
        "projectVisibility", "publicProjectAlias", "resourceAccessRole",
    ]

    /// A copy of `template` (every other member kept verbatim, including ones newer than prenv)
    /// with this project's name, source version, variables, artifact location and tags.
    func templateDocument(_ template: CodeBuild.Project, tags: [String: String]) throws(ProviderError) -> [String: JSONValue] {
        var document = template.filter { !Self.readOnlyMembers.contains($0.key) && $0.value != .null }
        if let badgeEnabled = template["badge"]?["badgeEnabled"] { document["badgeEnabled"] = badgeEnabled }
        if artifactsLocation != nil, let type = template["artifacts"]?["type"]?.stringValue, type == "CODEPIPELINE" {
            throw ProviderError.invalidProperty(
                property: "artifacts_location",
                reason: "template project `\(self.template ?? "")` hands its artifacts to CodePipeline; remove `artifacts_location`")
        }
        let inherited = CodeBuildProjectProvider.tags(of: template).filter { !$0.key.hasPrefix("prenv:") }
        applyOverrides(to: &document, tags: inherited.merging(tags) { $1 })
        return document
    }
}
