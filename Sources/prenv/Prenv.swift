import ArgumentParser

/// The one prenv executable: thin commands over the libraries, and the place where they are wired together.
@main
struct Prenv: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prenv",
        abstract: "Per-pull-request environments on AWS, driven by GitHub.",
        version: "0.1.0",
        subcommands: [DoctorCommand.self, ValidateCommand.self, PlanCommand.self, UpCommand.self, DownCommand.self, ListCommand.self, ServeCommand.self]
    )
}
