import ArgumentParser
import Blueprint
import PrenvApp

/// `prenv validate FILE...`: every problem in every file at once, compiler-style, so editors and CI can
/// jump to file:line:column. Exit 0 when all files are valid (warnings allowed), 1 otherwise.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check blueprint files and report every problem as file:line:column: error: message."
    )

    @Argument(help: "Blueprint files to check.")
    var files: [String]

    func run() throws {
        var failed = 0
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
        if failed > 0 {
            printToStandardError("\(failed) of \(files.count) blueprint file(s) invalid")
            throw ExitCode(1)
        }
    }
}
