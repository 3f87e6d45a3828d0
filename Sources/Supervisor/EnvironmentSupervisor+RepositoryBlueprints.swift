import Blueprint
import Foundation
import GitHub
import Orchestrator
import UntrustedText

/// Blueprints read from a pull request's repository (`.prenv/`, see `RepositoryBlueprintResolver`)
/// beside the server-side ones. They are read per PR, for the newest event of each batch, and kept
/// only while the PR is held: a replica that takes a PR over reads them again.
///
/// What may never happen on a guess: when `.prenv/` cannot be read (GitHub failing), the batch fails
/// and is retried, its events kept; when a file does not validate, environments of that repository's
/// blueprints are left exactly as they are (the broken file may be the one that defines them). Only a
/// folder that was read whole and validated, and no longer defines a live environment's blueprint,
/// tears that environment down.
extension EnvironmentSupervisor {
    /// Blueprints read from repositories are named `repo-<name>`; server-side names may not start so.
    static let repositoryBlueprintPrefix = "repo-"

    static func isRepositoryBlueprint(_ key: EnvironmentKey) -> Bool {
        key.blueprint.hasPrefix(repositoryBlueprintPrefix)
    }

    /// The blueprint of an environment: a server-side one, or one read from its PR's repository.
    func environmentBlueprint(_ key: EnvironmentKey) -> Blueprint? {
        blueprints[key.blueprint] ?? repositoryBlueprints[key.leaseKey]?.blueprints[key.blueprint]
    }

    /// Whether the repository's `.prenv/` is read (its events and commands concern this server).
    nonisolated func readsRepositoryBlueprints(of repository: String) -> Bool {
        repositoryBlueprintResolver?.isEnabled(for: repository) ?? false
    }

    /// The decisions about repository blueprints for one event: each valid blueprint's, and a skip
    /// (so a teardown) for a live environment whose blueprint a complete reading no longer defines.
    /// Environments left undecided are untouched by the event.
    func repositoryDecisions(for event: PullRequestEvent) -> [(EnvironmentKey, Blueprint?, Decision)] {
        let repository = event.repository.fullName
        let live = slots.keys.filter { $0.repository == repository && $0.pr == event.number && Self.isRepositoryBlueprint($0) }
        guard let resolution = repositoryBlueprints[event.inboxKey] else {
            // Not read for this event (a close: a teardown needs no blueprint). A close ends these
            // environments whatever the decision says.
            return event.action == "closed" ? live.sorted().map { ($0, nil, .skip(reason: "pull request closed")) } : []
        }
        let found = resolution.blueprints
        var result: [(EnvironmentKey, Blueprint?, Decision)] = []
        for blueprint in found.values.sorted(by: { $0.name < $1.name }) {
            let key = EnvironmentKey(repository: repository, pr: event.number, blueprint: blueprint.name)
            result.append((key, blueprint, blueprint.matches(repository: repository, baseBranch: event.pullRequest.base.ref,
                                                           labels: event.labelNames, isFork: event.isFromFork)))
        }
        if resolution.isComplete {
            for key in live.sorted() where found[key.blueprint] == nil {
                let name = key.blueprint.dropFirst(Self.repositoryBlueprintPrefix.count)
                result.append((key, nil, .skip(reason: "blueprint \(name) is no longer defined in .prenv/ at \(resolution.ref.prefix(40))")))
            }
        }
        return result
    }

    /// Reads the PR's `.prenv/` for the newest event of a batch (not for a close) and posts one
    /// status per file on the PR's head. Throws what reading threw: the batch is retried later.
    func readRepositoryBlueprints(for event: PullRequestEvent, under holding: Holding) async throws {
        guard let resolver = repositoryBlueprintResolver, resolver.isEnabled(for: event.repository.fullName) else { return }
        guard event.action != "closed" else {
            repositoryBlueprints[event.inboxKey] = nil
            return
        }
        let resolution: RepositoryBlueprintResolver.Resolution?
        do {
            resolution = try await resolver.resolve(event.context, permissions: permissions)
        } catch let error as GitHubError where Self.isLasting(error) {
            // Retrying would stall the PR's other events (server-side blueprints, commands) until
            // someone fixes access: the folder is reported unreadable, which decides nothing away.
            resolution = .init(files: [], problem: "GitHub would not show it (\(error.status))", ref: event.pullRequest.base.ref,
                               source: .base, note: nil)
            logger.warning("could not read .prenv/", metadata: ["pr": "\(event.inboxKey)", "error": "\(error)"])
        }
        try ensureCurrent(holding)
        repositoryBlueprints[event.inboxKey] = resolution
        guard let resolution else { return }
        let sha = event.pullRequest.head.sha
        reportRepositoryBlueprints(resolution, repository: event.repository.fullName, pr: event.number, sha: sha, holding: holding)
        guard !resolution.isComplete else { return }
        // Live environments this reading cannot decide about stay as they are; their check on the
        // new head says why instead of waiting forever.
        let found = resolution.blueprints
        for key in slots.keys.sorted() where key.leaseKey == event.inboxKey && Self.isRepositoryBlueprint(key) && found[key.blueprint] == nil {
            let why = resolution.folderExists ? "a file in .prenv/ does not validate" : "no .prenv/ was found"
            narrator(for: key, sha: sha).environment(.error, "Left as it was: \(why) at \(resolution.ref.prefix(40))")
        }
    }

    /// A refusal that asking again will not change: a 4xx other than a rate limit (no access, a
    /// name GitHub rejects) or an answer prenv cannot read. 5xx and network failures are retried.
    static func isLasting(_ error: GitHubError) -> Bool {
        !error.isRateLimit && error.status != 429 && ((400..<500).contains(error.status) || error.status == 200)
    }

    /// At a take-over: reads the blueprints the PR's saved environments need to resume an apply.
    /// Environments only being torn down need none, so GitHub failing then does not stop a teardown.
    func readRepositoryBlueprints(forResuming records: [WorkerRecord], prKey: String) async throws {
        guard let resolver = repositoryBlueprintResolver else { return }
        let repositoryRecords = records.filter { Self.isRepositoryBlueprint($0.key) }
        guard let context = repositoryRecords.first?.pullRequest else { return }
        let needed = repositoryRecords.contains { record in
            if case .absent = record.machine.desired { return false }
            return record.machine.desired != nil
        }
        do {
            repositoryBlueprints[prKey] = try await resolver.resolve(context, permissions: permissions)
        } catch let error where needed || error is CancellationError {
            throw error
        } catch {
            logger.warning("could not read .prenv/; the environments being torn down need none", metadata: [
                "pr": "\(prKey)", "error": "\(error)",
            ])
        }
    }

    /// The PRs a push to `branch` concerns: those with an open environment of a repository
    /// blueprint whose base is that branch, whichever replica holds them (read from the store).
    public func pushTargets(repository: String, branch: String) async throws -> [String] {
        guard readsRepositoryBlueprints(of: repository) else { return [] }
        let records = try await workerStore.workers(repository: repository)
        let keys = records.filter {
            Self.isRepositoryBlueprint($0.key)
                && !$0.machine.isClosed && $0.pullRequest.baseRef == branch
        }.map(\.key.leaseKey)
        return Array(Set(keys)).sorted()
    }

    /// The PR's base branch moved (a recorded `push`): reads `.prenv/` before it and now, and tells
    /// each live environment whose blueprint changed (`.blueprintChanged`): removed → torn down,
    /// edited → applied again. PRs reading their own head (`from: head`) are not concerned. Returns
    /// the environments touched.
    func baseBranchMoved(_ push: PushEvent, prKey: String, under holding: Holding) async throws -> [EnvironmentKey] {
        guard let resolver = repositoryBlueprintResolver, let branch = push.movedBranch else { return [] }
        let keys = slots.keys.filter { $0.leaseKey == prKey && Self.isRepositoryBlueprint($0) && slots[$0]?.record.machine.isClosed == false }
        guard let context = keys.sorted().first.flatMap({ slots[$0]?.record.pullRequest }), context.baseRef == branch else { return [] }
        // "After" is the branch as it is now, not the payload's `after`: deliveries come in any order
        // and a signed push can be replayed, so the payload only says "look again".
        guard let after = try await resolver.resolve(context, permissions: permissions), after.source == .base else {
            return []
        }
        // A branch the push created had no `.prenv/` before: every blueprint on it counts as changed.
        var before: RepositoryBlueprintResolver.Resolution?
        if let previous = push.previousCommit { before = try await resolver.resolve(context, permissions: permissions, baseCommit: previous) }
        try ensureCurrent(holding)
        repositoryBlueprints[prKey] = after
        reportRepositoryBlueprints(after, repository: context.fullRepositoryName, pr: context.number, sha: context.headSHA, holding: holding)
        var touched: [EnvironmentKey] = []
        for key in keys.sorted() {
            guard let machine = slots[key]?.record.machine else { continue }
            let old = before?.blueprints[key.blueprint]
            let decision: Decision
            if let new = after.blueprints[key.blueprint] {
                guard new != old else { continue }
                decision = new.matches(repository: key.repository, baseBranch: branch, labels: machine.labels, isFork: machine.isFork ?? true)
            } else {
                guard after.isComplete else { continue }  // a broken file may be the one that defines it
                let name = key.blueprint.dropFirst(Self.repositoryBlueprintPrefix.count)
                decision = .skip(reason: "blueprint \(name) is no longer defined in .prenv/ at \(branch)")
            }
            logger.info("repository blueprint changed on the base branch", metadata: [
                "environment": "\(key)", "branch": "\(branch)", "after": "\(push.after.prefix(12))", "decision": "\(decision)",
            ])
            route(mutateMachine(key) { $0.handle(.blueprintChanged(decision)) }, for: key)
            touched.append(key)
        }
        return touched
    }

    /// One commit status per file, `prenv/<file name>`: valid (and read from where), or the first
    /// problem with the count of the others; the whole list goes to the log. A folder that cannot
    /// be used at all is reported as `prenv/.prenv`.
    func reportRepositoryBlueprints(_ resolution: RepositoryBlueprintResolver.Resolution, repository: String, pr: Int,
                                    sha: String, holding: Holding) {
        func narrator(_ context: String) -> StatusNarrator {
            StatusNarrator(reporter: statuses, repository: repository, sha: sha, blueprint: context, logger: logger,
                           pullRequest: pr, ownership: ownership(holding))
        }
        let origin = resolution.note ?? "from \(resolution.source == .head ? "the pull request's head" : resolution.ref)"
        if let problem = resolution.problem {
            narrator(".prenv").environment(.failure, ".prenv/ not read: \(problem)")
            logger.warning("repository blueprints not read", metadata: [
                "repository": "\(repository)", "pr": "\(pr)", "problem": "\(UntrustedText.printable(problem, limit: 500))",
            ])
            return
        }
        for file in resolution.files {
            let context = Self.statusName(fileName: file.fileName)
            switch file.result {
            case .success(let blueprint):
                narrator(context).environment(.success, "Valid: \(blueprint.name) (\(origin))")
            case .failure(let errors):
                // The file's text reaches the messages (a key, a value quoted): shown escaped and bounded.
                // Cut so the count of the others survives the status's 140 characters.
                let more = errors.diagnostics.count > 1 ? " (+\(errors.diagnostics.count - 1) more)" : ""
                let first = errors.diagnostics.first.map { UntrustedText.printable("\($0)", limit: 139 - more.count) } ?? "not valid"
                narrator(context).environment(.failure, first + more)
                logger.warning("repository blueprint not valid; nothing is provisioned for it", metadata: [
                    "repository": "\(repository)", "pr": "\(pr)", "file": "\(UntrustedText.printable(file.path, limit: 200))",
                    "origin": "\(origin)",
                    "errors": "\(errors.diagnostics.prefix(50).map { UntrustedText.printable("\($0)", limit: 500) }.joined(separator: " | "))",
                ])
            }
        }
    }

    /// A file name fit for a status context: git allows any byte but `/` and NUL in one, a context
    /// should be short plain text, so anything else becomes `_` and the name is cut at 64.
    static func statusName(fileName: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let plain = String(fileName.map { allowed.contains($0) ? $0 : "_" })
        guard plain != fileName || plain.count > 64 else { return plain }
        // Changed or cut: a hash of the real name keeps two files from sharing one context.
        return String(plain.prefix(48)) + "-" + StableHash.short(fileName)
    }
}
