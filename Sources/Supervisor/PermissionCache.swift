import Foundation
import GitHub

/// Who may run `/prenv` commands, asked of GitHub and remembered briefly: a burst of commands on a
/// busy PR costs one lookup, and a permission revoked on GitHub takes effect within `lifetime`. Only
/// answers are kept, never failures, so "cannot check" is asked again next time. Bounded: past
/// `capacity` entries the oldest answer is forgotten first.
public actor PermissionCache {
    /// What a lookup found.
    public enum Access: Sendable, Equatable {
        case allowed
        /// The user's permission (GitHub's `role_name`, else `permission`; `none` for a login GitHub
        /// does not know), for the reply.
        case denied(permission: String)
        /// GitHub did not answer; nothing must be done on the command's behalf.
        case cannotCheck
    }

    private struct Entry {
        var access: Access
        var at: Date
    }

    private let github: any CommandGitHub
    private let lifetime: TimeInterval
    private let capacity: Int
    private let now: @Sendable () -> Date
    private var entries: [String: Entry] = [:]
    private var order: [String] = []

    public init(github: any CommandGitHub, lifetime: TimeInterval = 60, capacity: Int = 1_000,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.github = github
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
        self.now = now
    }

    /// Whether `user` may write to `repository` (`admin`, `maintain` or `write`). Throws only
    /// `CancellationError`: every other failure is `cannotCheck`.
    public func access(repository: String, user: String) async throws -> Access {
        let key = "\(repository.lowercased())\u{1F}\(user.lowercased())"
        if let entry = entries[key], now().timeIntervalSince(entry.at) < lifetime { return entry.access }
        let access: Access
        do {
            let answer = try await github.permission(repository: repository, user: user)
            access = answer.canWrite ? .allowed : .denied(permission: answer.roleName ?? answer.permission)
        } catch let error as GitHubError where error.status == 404 {
            access = .denied(permission: "none")  // GitHub does not know the login
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return .cannotCheck
        }
        remember(key, Entry(access: access, at: now()))
        return access
    }

    private func remember(_ key: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: key) == nil { order.append(key) }
        while order.count > capacity {
            entries[order.removeFirst()] = nil
        }
    }
}
