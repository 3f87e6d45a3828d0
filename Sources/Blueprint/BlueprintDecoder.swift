import Foundation
import Yams

/// Builds a `Blueprint` from a composed YAML tree, collecting every problem instead of stopping.
///
/// Decoding checks shapes (keys, kinds, literal values); `BlueprintDecoder+Validate.swift` then
/// checks what needs the whole file (references, `depends_on`, cycles).
struct BlueprintDecoder {
    static let topLevelKeys = ["name", "description", "on", "resources", "status", "expire", "limits"]
    static let namePattern = "[a-z][a-z0-9-]{0,31}"

    var diagnostics: DiagnosticCollector
    let source: SourceText
    let ignoredKeys: Set<String>
    let baseDirectory: String
    /// Where `template_file` paths are read (disk for server blueprints, the snapshot for a repository's).
    let files: TemplateFileSource
    /// Set for a blueprint read from a repository's `.prenv/`: its repository and the operator's policy.
    let repository: RepositoryScope?
    /// The resource kinds `type:` may name.
    let kinds: ResourceKinds
    /// Where `name:`'s value is written (a second file declaring the same name is reported there).
    var nameLocation: SourcePosition = .start
    /// Every `${…}` met so far, with where it is and which resource it belongs to.
    var references: [LocatedReference] = []
    var resources: [DecodedResource] = []
    var templateFiles: [String: String] = [:]

    init(
        diagnostics: DiagnosticCollector, composed: YAMLComposer.Result, baseDirectory: String, kinds: ResourceKinds,
        files: TemplateFileSource? = nil, repository: RepositoryScope? = nil
    ) {
        self.kinds = kinds
        self.diagnostics = diagnostics
        self.source = composed.source
        self.ignoredKeys = composed.ignoredKeys
        self.baseDirectory = baseDirectory
        self.files = files ?? .directory(baseDirectory)
        self.repository = repository
    }

    /// Decodes and validates; `nil` when any error was found (they are in `diagnostics`).
    mutating func decode(_ root: Node?) -> Blueprint? {
        guard let root, !root.isNull else {
            diagnostics.error(.start, "the blueprint is empty; it needs `name`, `on` and `resources`")
            return nil
        }
        guard case let .mapping(mapping) = root else {
            diagnostics.error(root.location, "a blueprint must be a mapping with `name`, `on` and `resources`, found \(root.kindDescription)")
            return nil
        }
        let entries = entries(of: mapping)
        reportUnknownKeys(entries, allowed: Self.topLevelKeys, place: "")
        // A repository's blueprint may leave out `on`: it selects its own repository only.
        let required = repository == nil ? ["name", "on", "resources"] : ["name", "resources"]
        for key in required where !entries.contains(where: { $0.key == key }) {
            diagnostics.error(root.location, "missing required key `\(key)`")
        }
        let value: (String) -> MappingEntry? = { key in entries.first { $0.key == key } }
        let name = value("name").flatMap { decodeName($0) }
        if let description = value("description"), description.value.text == nil {
            diagnostics.error(description.value.location, "`description` must be a string, found \(description.value.kindDescription)")
        }
        let triggers: Triggers? = if let on = value("on") { decodeTriggers(on) } else { repository?.impliedTriggers }
        if let entry = value("resources") { decodeResources(entry) }
        let status = value("status").flatMap { decodeStatus($0) }
        let expiry = value("expire").flatMap { decodeExpiry($0) }
        let limits = value("limits").flatMap { decodeLimits($0) }
        validate()
        guard !diagnostics.hasErrors, let name, let triggers else { return nil }
        return Blueprint(
            name: name, file: diagnostics.file, baseDirectory: baseDirectory, triggers: triggers,
            resources: resources.compactMap(\.spec),
            templateFiles: templateFiles, expiry: expiry, limits: limits ?? Limits(),
            warnings: diagnostics.sorted.filter { $0.severity == .warning }, status: status ?? StatusSettings()
        )
    }

    private mutating func decodeName(_ entry: MappingEntry) -> String? {
        guard let name = entry.value.text else {
            diagnostics.error(entry.value.location, "`name` must be a string, found \(entry.value.kindDescription)")
            return nil
        }
        nameLocation = entry.value.location
        guard Self.isBlueprintName(name) else {
            diagnostics.error(entry.value.location, "invalid blueprint name `\(name)`: names must match \(Self.namePattern)")
            return nil
        }
        if repository != nil { return scopedName(name, at: entry.value.location) }
        if name.hasPrefix(RepositoryScope.namePrefix) {
            diagnostics.error(entry.value.location, "blueprint names beginning with `\(RepositoryScope.namePrefix)` are reserved for blueprints read from repositories")
            return nil
        }
        return name
    }

    static func isBlueprintName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, scalars.count <= 32, ("a"..."z").contains(first) else { return false }
        return scalars.allSatisfy { $0.isLowercaseOrDigit || $0 == "-" }
    }

    static let statusKeys = ["detail", "target_url", "environment_url"]

    private mutating func decodeStatus(_ entry: MappingEntry) -> StatusSettings? {
        guard let entries = sectionEntries(entry, what: "`status`", allowed: Self.statusKeys, place: " in `status`") else { return nil }
        var settings = StatusSettings()
        if let detail = entries.first(where: { $0.key == "detail" }) {
            if let text = detail.value.text, let value = StatusSettings.Detail(rawValue: text) {
                settings.detail = value
            } else {
                let choices = StatusSettings.Detail.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ")
                diagnostics.error(detail.value.location, "`status.detail` must be one of \(choices), found \(detail.value.text.map { "`\($0)`" } ?? detail.value.kindDescription)")
            }
        }
        settings.targetURL = decodeStatusURL(entries, key: "target_url")
        settings.environmentURL = decodeStatusURL(entries, key: "environment_url")
        return settings
    }

    /// `status.target_url` or `status.environment_url`: a link whose host is the blueprint's (`StatusTargetURL`).
    private mutating func decodeStatusURL(_ entries: [MappingEntry], key: String) -> Template? {
        guard let url = entries.first(where: { $0.key == key }) else { return nil }
        guard let template = decodeTemplate(url.value, path: "`status.\(key)`", owner: nil) else { return nil }
        if let problem = StatusTargetURL.loadProblem(template) {
            diagnostics.error(url.value.location, problem.replacingOccurrences(of: "`status.target_url`", with: "`status.\(key)`"))
            return nil
        }
        return template
    }
}

/// The `on:` section: which PRs get an environment.
extension BlueprintDecoder {
    static let triggerKeys = ["repositories", "base_branches", "skip_labels", "forks"]

    mutating func decodeTriggers(_ entry: MappingEntry) -> Triggers? {
        guard let entries = sectionEntries(entry, what: "`on`", allowed: Self.triggerKeys, place: " in `on`") else { return nil }
        let value: (String) -> Node? = { key in entries.first { $0.key == key }?.value }

        var triggers = Triggers(repositories: [])
        var valid = true
        if let node = value("repositories"), repository != nil {
            let own = decodeOwnRepository(node)
            triggers.repositories = own ?? []
            valid = own != nil
        } else if let node = value("repositories") {
            let globs = decodeGlobs(node, path: "`on.repositories`")
            for (glob, location) in globs ?? [] where glob.split(separator: "/", omittingEmptySubsequences: false).count != 2 {
                diagnostics.error(location, "`on.repositories` entry `\(glob)` must be an owner/name glob such as `acme/*`")
                valid = false
            }
            triggers.repositories = (globs ?? []).map { Glob($0.0) }
            valid = valid && globs != nil
        } else if let repository {
            triggers.repositories = repository.impliedTriggers.repositories
        } else {
            diagnostics.error(entry.keyLocation, "missing required key `repositories` in `on`")
            valid = false
        }
        if let node = value("base_branches") {
            let globs = decodeGlobs(node, path: "`on.base_branches`")
            triggers.baseBranches = (globs ?? []).map { Glob($0.0) }
            valid = valid && globs != nil
        }
        if let node = value("skip_labels") {
            let labels = decodeStringList(node, path: "`on.skip_labels`")
            triggers.skipLabels = (labels ?? []).map(\.0)
            valid = valid && labels != nil
        }
        if let node = value("forks") {
            let allowed = ForkPolicy.allCases.map(\.rawValue)
            if let policy = decodeChoice(node, path: "`on.forks`", allowed: allowed).flatMap(ForkPolicy.init(rawValue:)) {
                triggers.forks = policy
                if policy == .allow, let repository, !repository.policy.allowForks {
                    diagnostics.error(node.location, "`forks: allow` is not allowed for blueprints read from \(repository.repository): "
                        + "the operator's policy does not set `allow_forks: true`")
                    valid = false
                } else if policy == .allow {
                    diagnostics.warning(node.location, "`forks: allow` runs code from forks with this blueprint's AWS permissions; use it only for trusted contributors")
                }
            } else {
                valid = false
            }
        }
        return valid ? triggers : nil
    }

    /// A non-empty list of globs: an empty list would silently match nothing.
    private mutating func decodeGlobs(_ node: Node, path: String) -> [(String, SourcePosition)]? {
        guard let globs = decodeStringList(node, path: path, expectation: "a list of globs") else { return nil }
        if globs.isEmpty {
            diagnostics.error(node.location, "\(path) must list at least one glob")
            return nil
        }
        return globs
    }
}
