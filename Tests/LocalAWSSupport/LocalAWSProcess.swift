import Foundation
import TestServices

/// A private local AWS endpoint started by one test, for modes that would disturb the shared one
/// (signature verification is all-or-nothing per endpoint).
public final class LocalAWSProcess: Sendable {
    private let service: ServiceProcess
    public var url: URL { service.url }

    /// Starts `infra/local/prenv_local.py` on a free port with extra flags and waits until it serves.
    public init(arguments: [String]) async throws {
        service = try await ServiceProcess(
            script: "infra/local/prenv_local.py", arguments: arguments, hint: "is moto installed? run `make deps`")
    }

    public func stop() { service.stop() }
}
