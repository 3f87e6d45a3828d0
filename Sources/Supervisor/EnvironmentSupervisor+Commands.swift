import Blueprint
import Foundation
import GitHub
import Logging
import Orchestrator

/// `/prenv` comment commands, taken by the PR's worker in inbox order with the PR's own events.
/// `help` (and a command prenv does not know) is answered for anyone. The others need an
/// environment (some blueprint selects the PR) and write permission on the repository, asked of
/// GitHub (`PermissionCache`); then each of the PR's machines gets the command, and the comment is
/// acknowledged with `+1`, or `confused` and a reply saying why not. If GitHub cannot say whether the
/// commenter may write, nothing is done and a reply says so. Reactions and replies are writes like
/// any other (`GitHubWrite`, through the `StatusReporter`).
extension EnvironmentSupervisor {
    /// Returns the keys whose machine the command reached (to be saved and launched by `drain`).
    func obey(_ command: PrenvCommand, in comment: IssueCommentEvent) async throws -> [EnvironmentKey] {
        let repository = comment.repository.fullName
        let number = comment.issue.number
        let login = comment.comment.user.login
        let metadata: Logger.Metadata = [
            "pr": "\(comment.inboxKey)", "comment": "\(comment.comment.id)", "command": "\(command.text)",
            "user": "\(GitHubClient.printable(login))",
        ]
        guard let permissions else {
            logger.warning("ignoring a /prenv command: prenv has no GitHub token to check who may run it", metadata: metadata)
            return []
        }
        switch command {
        case .help:
            answerLimited(comment, reaction: nil, reply: CommandReply.help)
            return []
        case .unknown:
            answerLimited(comment, reaction: .confused, reply: CommandReply.unknownCommand())
            return []
        case .redeploy, .destroy, .keep:
            break
        }
        guard !keys(of: repository, number).isEmpty else {
            logger.info("command for a pull request without an environment", metadata: metadata)
            answerLimited(comment, reaction: .confused, reply: CommandReply.noEnvironment(command: command))
            return []
        }
        switch try await permissions.access(repository: repository, user: login) {
        case .cannotCheck:
            logger.warning("command not run: GitHub did not answer the permission check", metadata: metadata)
            answerLimited(comment, reaction: nil, reply: CommandReply.cannotCheck(command: command))
            return []
        case .denied(let permission):
            logger.info("command refused: no write permission", metadata: metadata)
            answerLimited(comment, reaction: .confused,
                          reply: CommandReply.noWritePermission(login: login, command: command, permission: permission))
            return []
        case .allowed:
            break
        }
        // Read again after the await: the actor may have taken other work meanwhile.
        let keys = keys(of: repository, number)
        var refusals: [(blueprint: String, refusal: EnvironmentStateMachine.CommandRefusal, forkSkipped: Bool)] = []
        for key in keys {
            let (machineCommand, forkSkipped) = machineCommand(command, for: key)
            let actions = mutateMachine(key) { $0.handle(.command(machineCommand)) }
            route(actions, for: key)
            for case .refuse(let refusal) in actions { refusals.append((key.blueprint, refusal, forkSkipped)) }
            // A destroy with nothing to tear down ends at once: the status says so, as the teardown's would.
            if command == .destroy, !actions.contains(where: { if case .refuse = $0 { true } else { false } }) { reportSkipped(key) }
        }
        logger.info("command run", metadata: metadata.merging(["refused": "\(refusals.count) of \(keys.count)"]) { $1 })
        let acceptedAny = refusals.count < keys.count
        answer(comment, reaction: acceptedAny ? .plusOne : .confused,
               reply: refusals.isEmpty ? nil : CommandReply.refused(command: command, reasons: refusals))
        return keys
    }

    func keys(of repository: String, _ number: Int) -> [EnvironmentKey] {
        slots.keys.filter { $0.repository == repository && $0.pr == number }.sorted()
    }

    /// The machine's form of a command: `redeploy` and `keep` carry the blueprint's decision for the
    /// PR as last seen (labels, fork, base branch) under the blueprint loaded now; also whether a
    /// skip would be for the fork rule, which the reply may say (it is fixed text).
    func machineCommand(_ command: PrenvCommand, for key: EnvironmentKey) -> (EnvironmentStateMachine.Command, forkSkipped: Bool) {
        let decision: Decision
        var forkSkipped = false
        if let blueprint = environmentBlueprint(key), let record = slots[key]?.record {
            let machine = record.machine
            decision = blueprint.matches(repository: key.repository, baseBranch: record.pullRequest.baseRef,
                                         labels: machine.labels, isFork: machine.isFork ?? true)
            forkSkipped = machine.isFork == true && blueprint.triggers.forks == .skip
        } else {
            decision = .skip(reason: "blueprint \(key.blueprint) is no longer loaded")
        }
        switch command {
        case .destroy: return (.destroy, forkSkipped)
        case .keep: return (.keep(decision, at: now()), forkSkipped)
        default: return (.redeploy(decision, at: now()), forkSkipped)
        }
    }

    /// An answer anyone can cause, through `replyLimiter`: the reply at most once per commenter
    /// per 10 minutes (the reaction alone in between), nothing past the repository's hourly cap.
    func answerLimited(_ comment: IssueCommentEvent, reaction: GitHubClient.Reaction?, reply: String) {
        switch replyLimiter.answer(repository: comment.repository.fullName, user: comment.comment.user.login, now: now()) {
        case .replyAndReaction: answer(comment, reaction: reaction, reply: reply)
        case .reactionOnly: answer(comment, reaction: reaction, reply: nil)
        case .nothing:
            logger.notice("not answering a /prenv comment: the repository's replies this hour are used up",
                          metadata: ["pr": "\(comment.inboxKey)", "comment": "\(comment.comment.id)"])
        }
    }

    /// Queues the reaction and the reply. Intermediate priority: statuses and deployments (what a
    /// PR's checks and buttons end on) go first when the write budget is tight.
    func answer(_ comment: IssueCommentEvent, reaction: GitHubClient.Reaction?, reply: String?) {
        guard let github = commandGitHub else { return }
        let repository = comment.repository.fullName
        let number = comment.issue.number
        let commentID = comment.comment.id
        if let reaction {
            statuses.submit(GitHubWrite(
                kind: .reaction, priority: .intermediate, repository: repository, pullRequest: number,
                coalescingKey: "reaction \(repository)#\(number)/\(commentID)", fingerprint: reaction.rawValue, createdAt: now()
            ) {
                try await github.react(repository: repository, commentID: commentID, reaction)
                return 1
            })
        }
        if let reply {
            statuses.submit(GitHubWrite(
                kind: .reply, priority: .intermediate, repository: repository, pullRequest: number,
                coalescingKey: "reply \(repository)#\(number)/\(commentID)", fingerprint: reply, createdAt: now()
            ) {
                try await github.reply(repository: repository, issue: number, body: reply)
                return 1
            })
        }
    }
}
