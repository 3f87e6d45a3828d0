import AWSCore
import Foundation

extension CodePipelineClone {
    /// Whether `current` (as GetPipeline returns it) already is this declaration, so no
    /// UpdatePipeline is needed. `version` is ignored (AWS bumps it), and so is every `OAuthToken`:
    /// AWS returns it as `****`, so a changed token alone does not cause an update.
    func matches(_ current: CodePipelineJSON.Object) -> Bool {
        Self.comparable(current) == Self.comparable(declaration)
    }

    static func comparable(_ declaration: CodePipelineJSON.Object) -> CodePipelineJSON.Object {
        var result = CodePipelineJSON.mapActions(declaration) { (_: String, action: inout CodePipelineJSON.Object) in
            guard var configuration = action["configuration"]?.objectValue, configuration["OAuthToken"] != nil else { return }
            configuration["OAuthToken"] = "****"
            action["configuration"] = .object(configuration)
        }
        result["version"] = nil
        return result
    }

    /// Runs a call whose request carries the OAuth token. AWS validation messages may quote request
    /// values, so any error comes back with the token masked.
    func maskingSecret<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as AWSError {
            guard let secret, !secret.isEmpty, error.message.contains(secret) else { throw error }
            var masked = error
            masked.message = error.message.replacingOccurrences(of: secret, with: "****")
            throw masked
        }
    }
}
