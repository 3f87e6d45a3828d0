import Foundation

/// The fast path of `PullRequestEvent.decode`: one pass over the payload's bytes (`JSONCursor`)
/// picking out the fields prenv reads and checking the rest, instead of `JSONDecoder`'s document
/// map and a dictionary of keys per object. A `pull_request` payload is 20–30 KB of which prenv
/// reads a few hundred bytes, and it is read once on intake before the 202 and again by the
/// worker, so this is most of intake's own time (BENCHMARKS.md, "Intake against a bare server").
///
/// nil whenever the cursor gives up or a field is missing, null or of another type: `decode` then
/// asks `JSONDecoder`, so what is accepted, what is refused and every error message are
/// `JSONDecoder`'s. When this answers, it answers what `JSONDecoder` would (the webhook fuzz
/// target compares the two on every input).
extension PullRequestEvent {
    static func readFast(_ body: Data) -> PullRequestEvent? {
        body.withUnsafeBytes { raw -> PullRequestEvent? in
            var cursor = JSONCursor(raw)
            guard let event = try? read(&cursor), cursor.isAtEnd() else { return nil }
            return event
        }
    }

    private static func read(_ cursor: inout JSONCursor) throws(JSONCursor.GiveUp) -> PullRequestEvent {
        var action: String?
        var number: Int?
        var pullRequest: PullRequest?
        var repository: Repository?
        var label: Label?
        var installation: Installation?
        var changes: Range<Int>?
        try cursor.readObject { cursor, key throws(JSONCursor.GiveUp) in
            switch key {
            case "action": action = try cursor.readString()
            case "number": number = try cursor.readInt()
            case "pull_request": pullRequest = try PullRequest.read(&cursor)
            case "repository": repository = try Repository.read(&cursor)
            case "label": label = try cursor.readNull() ? nil : try Label.read(&cursor)
            case "installation": installation = try cursor.readNull() ? nil : try Installation.read(&cursor)
            case "changes":
                let start = cursor.index
                try cursor.skipValue()
                changes = start..<cursor.index
            default:
                try cursor.skipValue()
                return false
            }
            return true
        }
        guard let action, let number, let pullRequest, let repository else { throw JSONCursor.GiveUp() }
        var event = PullRequestEvent(action: action, pullRequest: pullRequest, repository: repository)
        event.number = number
        event.label = label
        event.installation = installation
        if let changes {
            // Rare (`edited` only) and small: `JSONDecoder` reads it, so it is exactly what it would
            // be; when it cannot, this gives up and `decode`'s own rule (unreadable is absent) applies.
            event.changes = try cursor.decodeSlice(changes, as: WebhookJSONValue.self)
        }
        return event
    }
}

extension PullRequestEvent.PullRequest {
    fileprivate static func read(_ cursor: inout JSONCursor) throws(JSONCursor.GiveUp) -> Self {
        var number: Int?
        var state: String?
        var merged: Bool?
        var head: PullRequestEvent.Head?
        var base: PullRequestEvent.Base?
        var user: PullRequestEvent.User?
        var labels: [PullRequestEvent.Label]?
        var updatedAt: String?
        try cursor.readObject { cursor, key throws(JSONCursor.GiveUp) in
            switch key {
            case "number": number = try cursor.readInt()
            case "state": state = try cursor.readString()
            case "merged": merged = try cursor.readNull() ? nil : try cursor.readBool()
            case "head": head = try .read(&cursor)
            case "base": base = try .read(&cursor)
            case "user": user = try .read(&cursor)
            case "labels":
                var read: [PullRequestEvent.Label] = []
                try cursor.readArray { cursor throws(JSONCursor.GiveUp) in read.append(try .read(&cursor)) }
                labels = read
            case "updated_at": updatedAt = try cursor.readString()
            default:
                try cursor.skipValue()
                return false
            }
            return true
        }
        guard let number, let state, let head, let base, let user, let labels, let updatedAt else { throw JSONCursor.GiveUp() }
        return Self(number: number, state: state, merged: merged, head: head, base: base, user: user, labels: labels, updatedAt: updatedAt)
    }
}

extension PullRequestEvent.Head {
    fileprivate static func read(_ cursor: inout JSONCursor) throws(JSONCursor.GiveUp) -> Self {
        var sha: String?
        var ref: String?
        var repo: PullRequestEvent.HeadRepository?
        try cursor.readObject { cursor, key throws(JSONCursor.GiveUp) in
            switch key {
            case "sha": sha = try cursor.readString()
            case "ref": ref = try cursor.readString()
            case "repo": repo = try cursor.readNull() ? nil : try .read(&cursor)
            default:
                try cursor.skipValue()
                return false
            }
            return true
        }
        guard let sha, let ref else { throw JSONCursor.GiveUp() }
        return Self(sha: sha, ref: ref, repo: repo)
    }
}

extension PullRequestEvent.HeadRepository {
    fileprivate static func read(_ cursor: inout JSONCursor) throws(JSONCursor.GiveUp) -> Self {
        var fullName: String?
        var fork: Bool?
        try cursor.readObject { cursor, key throws(JSONCursor.GiveUp) in
            switch key {
            case "full_name": fullName = try cursor.readString()
            case "fork": fork = try cursor.readBool()
            default:
                try cursor.skipValue()
                return false
            }
            return true
        }
        guard let fullName, let fork else { throw JSONCursor.GiveUp() }
        return Self(fullName: fullName, fork: fork)
    }
}

extension PullRequestEvent.Base {
    fileprivate static func read(_ cursor: inout JSONCursor) throws(JSONCursor.GiveUp) -> Self {
        var ref: String?
        var fullName: String?
        try cursor.readObject { cursor, key throws(JSONCursor.GiveUp) in
            switch key {
            case "ref": ref = try cursor.readString()
            case "repo": fullName = try cursor.readFullName()
            default:
                try cursor.skipValue()
                return false
            }
            return true
        }
        guard let ref, let fullName else { throw JSONCursor.GiveUp() }
        return Self(ref: ref, repo: PullRequestEvent.BaseRepository(fullName: fullName))
    }
}

extension PullRequestEvent.Repository {
    fileprivate static func read(_ cursor: inout JSONCursor) throws(JSONCursor.GiveUp) -> Self {
        var fullName: String?
        var owner: PullRequestEvent.User?
        var name: String?
        var defaultBranch: String?
        try cursor.readObject { cursor, key throws(JSONCursor.GiveUp) in
            switch key {
            case "full_name": fullName = try cursor.readString()
            case "owner": owner = try .read(&cursor)
            case "name": name = try cursor.readString()
            case "default_branch": defaultBranch = try cursor.readNull() ? nil : try cursor.readString()
            default:
                try cursor.skipValue()
                return false
            }
            return true
        }
        guard let fullName, let owner, let name else { throw JSONCursor.GiveUp() }
        return Self(fullName: fullName, owner: owner, name: name, defaultBranch: defaultBranch)
    }
}

extension PullRequestEvent.User {
    fileprivate static func read(_ cursor: inout JSONCursor) throws(JSONCursor.GiveUp) -> Self {
        Self(login: try cursor.readSingleString("login"))
    }
}

extension PullRequestEvent.Label {
    fileprivate static func read(_ cursor: inout JSONCursor) throws(JSONCursor.GiveUp) -> Self {
        Self(name: try cursor.readSingleString("name"))
    }
}

extension PullRequestEvent.Installation {
    fileprivate static func read(_ cursor: inout JSONCursor) throws(JSONCursor.GiveUp) -> Self {
        var id: Int?
        try cursor.readObject { cursor, key throws(JSONCursor.GiveUp) in
            guard case "id" = key else {
                try cursor.skipValue()
                return false
            }
            id = try cursor.readInt()
            return true
        }
        guard let id else { throw JSONCursor.GiveUp() }
        return Self(id: id)
    }
}

extension JSONCursor {
    /// `JSONDecoder`'s reading of the bytes in `range`.
    fileprivate func decodeSlice<T: Decodable>(_ range: Range<Int>, as type: T.Type) throws(GiveUp) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(UnsafeRawBufferPointer(rebasing: bytes[range])))
        } catch {
            throw GiveUp()
        }
    }

    /// The one string field `name` of the object here (a user's login, a label's name).
    fileprivate mutating func readSingleString(_ name: StaticString) throws(GiveUp) -> String {
        var value: String?
        try readObject { cursor, key throws(GiveUp) in
            guard name ~= key else {
                try cursor.skipValue()
                return false
            }
            value = try cursor.readString()
            return true
        }
        guard let value else { throw GiveUp() }
        return value
    }

    fileprivate mutating func readFullName() throws(GiveUp) -> String {
        try readSingleString("full_name")
    }
}
