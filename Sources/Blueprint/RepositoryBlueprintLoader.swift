/// One `.prenv/*.yaml` of a repository and what became of it.
public struct RepositoryBlueprintFile: Sendable {
    /// The repository path: `.prenv/preview.yaml`; `.prenv` for the entry standing for the whole folder.
    public let path: String
    /// `preview.yaml` (`.prenv` for the folder entry): commit statuses of a failing file use it.
    public let fileName: String
    /// The blueprint (named `repo-<name>`), or every problem found, each `path:line:col` (line 0: the whole file).
    public let result: Result<Blueprint, BlueprintErrors>

    public init(path: String, fileName: String, result: Result<Blueprint, BlueprintErrors>) {
        self.path = path
        self.fileName = fileName
        self.result = result
    }
}

/// Blueprints read from a repository's own `.prenv/` folder (through `RepositorySnapshot`, never from disk),
/// each judged on its own so that one broken file does not stop the others' environments.
///
/// On top of every rule of a server blueprint (`BlueprintLoader`), a repository's blueprint:
/// - selects only its own repository (`on.repositories` is implied, and may name nothing else);
/// - is named `repo-<name>` (declared names have at most 27 characters), a prefix server blueprints may not
///   use, so statuses, `${env.name}` and tags of the two never meet;
/// - uses only the resource types, existing resources (`.existing` names, `template_file` paths) and secret
///   variables the operator's `RepositoryBlueprintPolicy` allows, existing names written out in full;
/// - names every resource it creates with `${env.name}` (its identity properties), so it can never name
///   production's resource or another pull request's;
/// - reads `template_file` from its own `.prenv/` in the same snapshot, never outside it;
/// - is at most `maxBlueprintBytes` long, and no alias bomb.
public enum RepositoryBlueprintLoader {
    /// Larger files are refused without being parsed: a blueprint is a few kilobytes.
    public static let maxBlueprintBytes = 256 * 1024

    /// One entry per `.prenv/*.yaml` / `*.yml` directly inside `.prenv/` (read or refused by the reader), in
    /// path order; folders below hold stack templates and are not blueprints.
    ///
    /// - No entries: the policy is not enabled, or the snapshot has no `.prenv` (`exists == false`), or the
    ///   folder holds no blueprint file.
    /// - When the folder as a whole could not be read (`snapshot.problem`), exactly one failing entry with
    ///   path and file name `.prenv` and nothing else: what was read of a folder read in part is not a
    ///   sound basis for deciding which environments should exist.
    public static func load(_ snapshot: RepositorySnapshot, policy: RepositoryBlueprintPolicy, kinds: ResourceKinds) -> [RepositoryBlueprintFile] {
        guard policy.enabled, snapshot.exists else { return [] }
        let folder = RepositorySnapshot.directory
        if let problem = snapshot.problem {
            let diagnostic = Diagnostic(file: folder, location: .none, message: "the `\(folder)` folder of \(snapshot.repository) at \(snapshot.ref) was not read: \(problem)")
            return [RepositoryBlueprintFile(path: folder, fileName: folder, result: .failure(BlueprintErrors(diagnostics: [diagnostic])))]
        }
        let paths = Set(snapshot.files.keys).union(snapshot.refused.keys).filter(isBlueprintPath).sorted()
        let scope = RepositoryScope(repository: snapshot.repository, policy: policy)

        var results: [(path: String, result: Result<Parsed, BlueprintErrors>)] = []
        var pathByName: [String: String] = [:]
        for path in paths {
            var result = parse(path: path, snapshot: snapshot, scope: scope, kinds: kinds)
            if case let .success(parsed) = result {
                if let other = pathByName[parsed.blueprint.name] {
                    let name = String(parsed.blueprint.name.dropFirst(RepositoryScope.namePrefix.count))
                    result = .failure(BlueprintErrors(diagnostics: [Diagnostic(
                        file: path, location: parsed.nameLocation, message: "blueprint name `\(name)` is already used by \(other)")]))
                } else {
                    pathByName[parsed.blueprint.name] = path
                }
            }
            results.append((path, result))
        }
        let valid = results.compactMap { try? $0.result.get().blueprint }
        let collisions = Dictionary(grouping: NameCollisions.diagnostics(valid), by: \.file)
        return results.map { path, result in
            let outcome: Result<Blueprint, BlueprintErrors> = switch result {
            case let .success(parsed):
                if let found = collisions[path] { .failure(BlueprintErrors(diagnostics: found)) } else { .success(parsed.blueprint) }
            case let .failure(errors): .failure(errors)
            }
            return RepositoryBlueprintFile(path: path, fileName: String(path.dropFirst(folder.count + 1)), result: outcome)
        }
    }

    /// `.prenv/<name>.yaml` or `.yml`, not in a sub-folder.
    static func isBlueprintPath(_ path: String) -> Bool {
        let prefix = RepositorySnapshot.directory + "/"
        guard path.hasPrefix(prefix) else { return false }
        let name = path.dropFirst(prefix.count)
        return !name.contains("/") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml"))
    }

    struct Parsed {
        var blueprint: Blueprint
        var nameLocation: SourcePosition
    }

    static func parse(path: String, snapshot: RepositorySnapshot, scope: RepositoryScope, kinds: ResourceKinds) -> Result<Parsed, BlueprintErrors> {
        func failure(_ message: String, at location: SourcePosition = .none) -> Result<Parsed, BlueprintErrors> {
            .failure(BlueprintErrors(diagnostics: [Diagnostic(file: path, location: location, message: message)]))
        }
        if let reason = snapshot.refused[path] { return failure("not read: \(reason)") }
        guard let yaml = snapshot.files[path] else { return failure("not read") }
        let bytes = yaml.utf8.count
        guard bytes <= maxBlueprintBytes else {
            return failure("the blueprint is \(bytes) bytes; blueprints read from a repository may have at most \(maxBlueprintBytes) bytes")
        }
        var diagnostics = DiagnosticCollector(file: path)
        guard let composed = YAMLComposer.compose(yaml, diagnostics: &diagnostics) else {
            return .failure(BlueprintErrors(diagnostics: diagnostics.sorted))
        }
        var decoder = BlueprintDecoder(diagnostics: diagnostics, composed: composed, baseDirectory: RepositorySnapshot.directory, kinds: kinds,
                                       files: .snapshot(snapshot), repository: scope)
        guard let blueprint = decoder.decode(composed.root) else {
            return .failure(BlueprintErrors(diagnostics: decoder.diagnostics.sorted))
        }
        return .success(Parsed(blueprint: blueprint, nameLocation: decoder.nameLocation))
    }
}
