import Foundation

/// The way in: reads blueprint files and returns validated `Blueprint`s, or every problem found.
public enum BlueprintLoader {
    /// Loads one blueprint file; file properties (`template_file`) are resolved next to it. `kinds` are
    /// the resource types the blueprint may use (the composition root registers them).
    public static func load(path: String, kinds: ResourceKinds) throws(BlueprintErrors) -> Blueprint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BlueprintErrors(diagnostics: [Diagnostic(file: path, location: .none, message: "cannot read the blueprint file")])
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw BlueprintErrors(diagnostics: [Diagnostic(file: path, location: .none, message: "the blueprint file is not UTF-8 text")])
        }
        return try parse(yaml: yaml, file: path, kinds: kinds)
    }

    /// Parses blueprint text. `file` names it in diagnostics; `baseDirectory` (default: the folder
    /// of `file`) is where `template_file` paths are looked up.
    public static func parse(yaml: String, file: String, baseDirectory: String? = nil, kinds: ResourceKinds) throws(BlueprintErrors) -> Blueprint {
        var diagnostics = DiagnosticCollector(file: file)
        let directory = baseDirectory ?? directoryName(of: file)
        guard let composed = YAMLComposer.compose(yaml, diagnostics: &diagnostics) else {
            throw BlueprintErrors(diagnostics: diagnostics.sorted)
        }
        var decoder = BlueprintDecoder(diagnostics: diagnostics, composed: composed, baseDirectory: directory, kinds: kinds)
        guard let blueprint = decoder.decode(composed.root) else {
            throw BlueprintErrors(diagnostics: decoder.diagnostics.sorted)
        }
        return blueprint
    }

    /// Loads every `*.yaml` / `*.yml` directly inside `directory` (not sub-folders, which hold stack
    /// templates), in file-name order, reporting the problems of all files together. Two blueprints
    /// with the same `name` are an error: the name scopes commit statuses and resource names. So are
    /// two that may select one PR and spell a physical name identically (`NameCollisions`).
    public static func loadAll(directory: String, kinds: ResourceKinds) throws(BlueprintErrors) -> [Blueprint] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw BlueprintErrors(diagnostics: [Diagnostic(file: directory, location: .none, message: "cannot list the blueprint folder")])
        }
        var blueprints: [Blueprint] = []
        var diagnostics: [Diagnostic] = []
        var fileByName: [String: String] = [:]
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (directory as NSString).appendingPathComponent(name)
            do throws(BlueprintErrors) {
                let blueprint = try load(path: path, kinds: kinds)
                if let other = fileByName[blueprint.name] {
                    diagnostics.append(Diagnostic(file: path, location: .none, message: "blueprint name `\(blueprint.name)` is already used by \(other)"))
                    continue
                }
                fileByName[blueprint.name] = path
                blueprints.append(blueprint)
            } catch {
                diagnostics += error.diagnostics
            }
        }
        diagnostics += NameCollisions.diagnostics(blueprints)
        guard diagnostics.isEmpty else { throw BlueprintErrors(diagnostics: diagnostics) }
        return blueprints
    }

    static func directoryName(of file: String) -> String {
        let directory = (file as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }
}
