import Foundation
import FuzzSupport
import GitHub

/// `GitHubError(status:body:)` on whatever GitHub (or a proxy in front of it) answers: the input is the
/// body (the input's length picks the status). Its description goes into logs and statuses.
@main
enum GitHubErrorsFuzz {
    static func main() {
        FuzzDriver.run("github-errors") { bytes, count in
            let input = FuzzDriver.data(bytes, count)
            let status = 400 + input.count % 200
            let error = GitHubError(status: status, body: input)
            if error.status != status { FuzzDriver.fail("status \(error.status) is not \(status)") }
            if error.message.isEmpty { FuzzDriver.fail("empty message") }
            _ = error.description
            _ = error.isRateLimit
            return 0
        }
    }
}
