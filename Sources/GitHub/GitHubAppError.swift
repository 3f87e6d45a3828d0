import UntrustedText

/// Why a GitHub App could not get a token: said so the operator knows what to fix.
public enum GitHubAppError: Error, Sendable, Equatable, CustomStringConvertible {
    /// GitHub refused the App's JWT (401): the wrong key for this App id, or a clock far off.
    case jwtRejected(appID: Int, message: String)
    /// `GET /repos/{o}/{r}/installation` answered 404.
    case notInstalled(appID: Int, repository: String)
    /// `POST /app/installations/{id}/access_tokens` answered 404: uninstalled since it was seen.
    case installationGone(appID: Int, installationID: Int)
    /// A request names no repository, so no installation's token can be chosen.
    case noRepository(appID: Int)
    case badRepository(String)

    public var description: String {
        switch self {
        case .jwtRejected(let appID, let message):
            "GitHub refused the JWT of GitHub App \(appID) (401: \(UntrustedText.printable(message, limit: 200))): check that "
                + "GITHUB_APP_PRIVATE_KEY is a key of App \(appID) (not another App's, not revoked) and that this machine's clock is right"
        case .notInstalled(let appID, let repository):
            "the GitHub App \(appID) is not installed on \(UntrustedText.printable(repository, limit: 200))"
        case .installationGone(let appID, let installationID):
            "the GitHub App \(appID) has no installation \(installationID) any more (uninstalled?)"
        case .noRepository(let appID):
            "GitHub App \(appID): a request that names no repository cannot choose an installation token"
        case .badRepository(let repository):
            "not an owner/name repository: \(UntrustedText.printable(repository, limit: 200))"
        }
    }
}
