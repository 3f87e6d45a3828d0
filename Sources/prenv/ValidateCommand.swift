import ArgumentParser
import Blueprint
import PrenvApp

/// `prenv validate FILE...`: every problem in every file at once, compiler-style, so editors and CI can
/// jump to file:line:column. Exit 0 when all files are valid (warnings allowed), 1 otherwise.
///
/// `--repository-layout DIR` checks `DIR/.prenv/*.yaml` as prenv checks a repository's own blueprints
/// (read with the same bounds as from GitHub), so a repository can check its `.prenv/` in its own CI.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check blueprint files and report every problem as file:line:column: error: message."
    )

    @Argument(help: "Blueprint files to check.")
    var files: [String] = []

    @Option(name: .customLong("repository-layout"), help: ArgumentHelp(
        "A folder laid out as a repository: its .prenv/*.yaml are checked as blueprints read from a repository.", valueName: "DIR"))
    var repositoryLayout: String?

    @Option(help: ArgumentHelp("With --repository-layout: the repository's owner/name (default \(RepositoryLayout.defaultRepository)).",
                               valueName: "OWNER/NAME"))
    var repository: String?

    @Option(help: ArgumentHelp(
        "With --repository-layout: the server's config file; its repository_blueprints policy for --repository applies "
            + "(default: every type, template, stack file and secret name is allowed).", valueName: "FILE"))
    var config: String?

    func validate() throws {
        if files.isEmpty, repositoryLayout == nil { throw ValidationError("give blueprint files to check, or --repository-layout DIR") }
        if repositoryLayout == nil, repository != nil || config != nil {
            throw ValidationError("--repository and --config only apply with --repository-layout")
        }
        if let repository, repository.split(separator: "/", omittingEmptySubsequences: false).count != 2 {
            throw ValidationError("--repository must be owner/name")
        }
    }

    func run() throws {
        var failed = 0
        var checked = files.count
        for file in files {
            do throws(BlueprintErrors) {
                let blueprint = try BlueprintLoader.load(path: file, kinds: Composition.kinds)
                for warning in blueprint.warnings { printToStandardError(warning.description) }
                print("\(file): ok (blueprint \(blueprint.name), \(blueprint.resources.count) resources)")
            } catch {
                failed += 1
                for diagnostic in error.diagnostics { printToStandardError(diagnostic.description) }
            }
        }
        if let repositoryLayout {
            let results = try validateLayout(repositoryLayout)
            checked += results.checked
            failed += results.failed
        }
        if failed > 0 {
            printToStandardError("\(failed) of \(checked) blueprint file(s) invalid")
            throw ExitCode(1)
        }
    }

    private func validateLayout(_ directory: String) throws -> (checked: Int, failed: Int) {
        let name = repository ?? RepositoryLayout.defaultRepository
        let policy: RepositoryBlueprintPolicy
        if let config {
            let found: RepositoryBlueprintPolicy?
            do throws(StartupError) {
                found = try RepositoryLayout.policy(configPath: config, repository: name)
            } catch {
                for line in error.lines { printToStandardError(line) }
                throw ExitCode(1)
            }
            guard let found, found.enabled else {
                printToStandardError("error: \(config) does not enable repository_blueprints for \(name): prenv reads no blueprints from that repository")
                throw ExitCode(1)
            }
            policy = found
        } else {
            policy = .permissive
        }
        let snapshot = RepositoryLayout.snapshot(directory: directory, repository: name)
        let results = RepositoryBlueprintLoader.load(snapshot, policy: policy, kinds: Composition.kinds)
        if !snapshot.exists { print("\(directory): no \(RepositorySnapshot.directory) folder, so no blueprints") }
        else if results.isEmpty { print("\(RepositorySnapshot.directory): no blueprint files (*.yaml, *.yml)") }
        var failed = 0
        for file in results {
            switch file.result {
            case let .success(blueprint):
                for warning in blueprint.warnings { printToStandardError(warning.description) }
                print("\(file.path): ok (blueprint \(blueprint.name), \(blueprint.resources.count) resources)")
            case let .failure(errors):
                failed += 1
                for diagnostic in errors.diagnostics { printToStandardError(diagnostic.description) }
            }
        }
        return (results.count, failed)
    }
}
