/// A validated blueprint: which PRs it applies to and the resources of each PR's environment.
///
/// Only `BlueprintLoader` makes one from YAML, so holding a `Blueprint` means every reference
/// resolves to a declared resource and output, every name literal fits its service and there is
/// no dependency cycle.
public struct Blueprint: Sendable, Hashable {
    /// Used in status contexts and in `env.name`; `[a-z][a-z0-9-]{0,31}`.
    public let name: String
    /// The path the blueprint was loaded from, as given (diagnostics use it).
    public let file: String
    /// The folder `template_file` paths are relative to.
    public let baseDirectory: String
    public let triggers: Triggers
    /// In file order.
    public let resources: [ResourceSpec]
    /// `status:`: the detail of commit statuses and where the status and deployment link to.
    public let status: StatusSettings
    /// `status.target_url`: where the commit status links to, e.g. the site's URL.
    public var statusTargetURL: Template? { status.targetURL }
    /// Contents of each `template_file`, keyed by the path as written; read once at load so a
    /// rendered plan does not change if the file changes on disk meanwhile.
    public let templateFiles: [String: String]
    /// `expire:`: environments without a push for this long are destroyed; nil: they live as long as their PR.
    public let expiry: Expiry?
    /// `limits:`: how many environments the blueprint may hold at once.
    public let limits: Limits
    /// Non-fatal findings (e.g. `forks: allow`).
    public let warnings: [Diagnostic]

    public init(
        name: String, file: String, baseDirectory: String, triggers: Triggers, resources: [ResourceSpec],
        statusTargetURL: Template? = nil, templateFiles: [String: String] = [:], expiry: Expiry? = nil,
        limits: Limits = Limits(), warnings: [Diagnostic] = [], status: StatusSettings? = nil
    ) {
        self.name = name
        self.file = file
        self.baseDirectory = baseDirectory
        self.triggers = triggers
        self.resources = resources
        self.status = status ?? StatusSettings(targetURL: statusTargetURL)
        self.templateFiles = templateFiles
        self.expiry = expiry
        self.limits = limits
        self.warnings = warnings
    }

    public func resource(_ id: String) -> ResourceSpec? {
        resources.first { $0.id == id }
    }

    /// Every edge, implicit (`${x.outputs.k}`) and explicit (`depends_on`): resource id → the ids it
    /// waits for. Every resource is a key, with an empty set when it waits for nothing.
    public var dependencies: [String: Set<String>] {
        Dictionary(uniqueKeysWithValues: resources.map { ($0.id, $0.dependencies) })
    }

    /// Whether the blueprint applies to a PR (see `Triggers.matches`).
    public func matches(repository: String, baseBranch: String, labels: [String], isFork: Bool) -> Decision {
        triggers.matches(repository: repository, baseBranch: baseBranch, labels: labels, isFork: isFork)
    }
}

/// Rendering a blueprint for one pull request.
extension Blueprint {
    /// `env.name` of this blueprint for `context`'s repository and PR.
    public func envName(for context: PRContext) -> String {
        context.value(of: .envName, blueprint: name)
    }

    /// Renders every resource and the status URL. Resources whose inputs are not known yet keep
    /// `.unknown` values and list them in `unresolved`; render again as outputs arrive.
    public func render(context: PRContext, outputs: [String: [String: String]] = [:]) -> RenderedBlueprint {
        let target = statusTargetURL.map { template -> RenderedValue in
            switch StatusTargetURL.render(template, context: context, blueprint: name, outputs: outputs) {
            case let .url(url): return .string(url.absoluteString)
            case .unresolved, .refused: return .unknown(source: template.source)
            }
        }
        return RenderedBlueprint(
            blueprint: name, envName: envName(for: context),
            resources: resources.map { render($0, context: context, outputs: outputs) },
            statusTargetURL: target, dependencies: dependencies
        )
    }

    /// Renders one resource, e.g. right before creating it once its dependencies have outputs.
    public func render(resource id: String, context: PRContext, outputs: [String: [String: String]] = [:]) -> RenderedResource? {
        resource(id).map { render($0, context: context, outputs: outputs) }
    }

    public func render(_ spec: ResourceSpec, context: PRContext, outputs: [String: [String: String]]) -> RenderedResource {
        var unresolved: [Reference] = []
        var properties = renderFields(spec.properties, schema: spec.kind.properties, context: context, outputs: outputs, unresolved: &unresolved)
        for field in spec.kind.properties {
            if case let .file(file) = field.kind, let path = spec.properties[field.name]?.template?.literalValue,
               let contents = templateFiles[path] {
                properties[file.renderedInto] = .string(contents)
            }
        }
        return RenderedResource(id: spec.id, type: spec.type, properties: properties,
                                unresolved: Array(Set(unresolved)).sorted(), dependencies: spec.dependencies)
    }

    private func renderFields(
        _ values: [String: PropertyValue], schema: [PropertySchema], context: PRContext,
        outputs: [String: [String: String]], unresolved: inout [Reference]
    ) -> [String: RenderedValue] {
        var rendered: [String: RenderedValue] = [:]
        for field in schema {
            if let value = values[field.name] {
                rendered[field.name] = renderValue(value, field: field, context: context, outputs: outputs, unresolved: &unresolved)
            } else if let fallback = field.defaultValue {
                rendered[field.name] = field.kind.isBool
                    ? .bool(fallback == "true")
                    : renderString(Template.parse(fallback).template, nameRule: field.nameRule, context: context, outputs: outputs, unresolved: &unresolved)
            }
        }
        return rendered
    }

    private func renderValue(
        _ value: PropertyValue, field: PropertySchema, context: PRContext,
        outputs: [String: [String: String]], unresolved: inout [Reference]
    ) -> RenderedValue {
        switch (value, field.kind) {
        case let (.map(values), .object(fields)):
            return .map(renderFields(values, schema: fields, context: context, outputs: outputs, unresolved: &unresolved))
        case let (.string(template), _):
            return renderString(template, nameRule: field.nameRule, context: context, outputs: outputs, unresolved: &unresolved)
        case let (.bool(flag), _):
            return .bool(flag)
        case let (.list(items), _):
            return .list(items.map { renderValue($0, field: PropertySchema(name: "", kind: .string), context: context, outputs: outputs, unresolved: &unresolved) })
        case let (.map(values), _):
            return .map(values.mapValues { renderValue($0, field: PropertySchema(name: "", kind: .string), context: context, outputs: outputs, unresolved: &unresolved) })
        }
    }

    /// Substitutes, then passes a *name* through its service's sanitiser (see `NamingRule.sanitize`).
    /// Other strings, branch names included, are data and reach AWS unchanged.
    private func renderString(
        _ template: Template, nameRule: PropertySchema.NameRule?, context: PRContext,
        outputs: [String: [String: String]], unresolved: inout [Reference]
    ) -> RenderedValue {
        let result = template.render(context: context, blueprint: name, outputs: outputs)
        unresolved += result.unresolved
        guard let value = result.value else { return .unknown(source: template.source) }
        if case let .sanitized(rule) = nameRule {
            return .string(template.literalValue == nil ? rule.sanitize(value) : rule.renderLiteral(value))
        }
        return .string(value)
    }
}

extension PropertySchema.Kind {
    var isBool: Bool {
        if case .bool = self { return true }
        return false
    }
}
