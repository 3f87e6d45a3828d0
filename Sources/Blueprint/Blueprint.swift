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
    /// `status.target_url`: where the commit status links to, e.g. the site's URL.
    public let statusTargetURL: Template?
    /// Contents of each `template_file`, keyed by the path as written; read once at load so a
    /// rendered plan does not change if the file changes on disk meanwhile.
    public let templateFiles: [String: String]
    /// Non-fatal findings (e.g. `forks: allow`).
    public let warnings: [Diagnostic]

    public init(
        name: String, file: String, baseDirectory: String, triggers: Triggers, resources: [ResourceSpec],
        statusTargetURL: Template? = nil, templateFiles: [String: String] = [:], warnings: [Diagnostic] = []
    ) {
        self.name = name
        self.file = file
        self.baseDirectory = baseDirectory
        self.triggers = triggers
        self.resources = resources
        self.statusTargetURL = statusTargetURL
        self.templateFiles = templateFiles
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
