import AWSCore
import HTTPTransport
import ArgumentParser
import Foundation
import Logging

/// `prenv doctor`: the first command a user runs. Proves credentials, region, endpoints and every
/// service answer, and names AWS's own error code when something does not. Never prints a secret.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check AWS credentials, region, endpoints and service access, the state store, and GitHub when a token or a GitHub App is set."
    )

    @Option(help: "A bucket to check with HeadBucket (default: a probe name that should not exist).")
    var bucket: String?

    @Option(help: "Seconds to wait for each check.")
    var timeout: Int = 10

    @Option(help: "State store URL to check: sqlite:PATH or postgres://USER@HOST[:PORT]/DB[?sslmode=…] (default $PRENV_STATE, else sqlite:.prenv/state.sqlite).")
    var state: String?

    func run() async throws {
        let transport = CurlTransport(timeout: .seconds(timeout))
        let environment = ProcessInfo.processInfo.environment
        var logger = Logger(label: "prenv.doctor")
        logger.logLevel = .warning
        let checks = await Doctor(environment: environment, transport: transport, logger: logger, bucket: bucket, stateURL: state,
                                  timeoutSeconds: timeout).run()
        print("prenv doctor")
        for check in checks { print(check.rendered) }
        let failed = checks.filter { $0.outcome == .fail }
        if failed.isEmpty {
            print("all checks passed")
        } else {
            print("\(failed.count) check(s) failed: \(failed.map(\.name).joined(separator: ", "))")
            throw ExitCode(1)
        }
    }
}
