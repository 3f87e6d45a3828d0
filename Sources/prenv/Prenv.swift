import ArgumentParser

/// The one prenv executable: thin commands that read flags, call the composition root (`PrenvApp`)
/// for what they run on, and print.
@main
struct Prenv: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prenv",
        abstract: "Per-pull-request environments on AWS, driven by GitHub.",
        version: "0.1.0",
        subcommands: [DoctorCommand.self, ValidateCommand.self, PlanCommand.self, UpCommand.self, DownCommand.self, ListCommand.self, GCCommand.self, ServeCommand.self]
    )
}
