import HTTPTransport
import Foundation
import GitHub
import Logging
import Orchestrator

/// The webhook endpoint's logic, free of any HTTP framework: verify, classify, record durably,
/// answer. Work happens after the answer (`onRecorded` only wakes a worker), so GitHub gets its
/// reply in milliseconds however slow AWS is.
///
/// Events taken: `pull_request` (the PR's lifecycle) and `issue_comment` (`/prenv` commands, see
/// `WebhookIntake+IssueComment`), both under the PR's inbox key so one worker orders them;
/// `ping` is answered; anything else is answered "ignored" and not stored.
public struct WebhookIntake: Sendable, CustomStringConvertible {
    private let secret: Data
    private let inbox: any EventInbox
    private let isRelevant: @Sendable (PullRequestEvent) async -> Bool
    let selectsRepository: (@Sendable (String) async -> Bool)?
    private let onRecorded: @Sendable (String) async -> Void
    let now: @Sendable () -> Date
    private let logger: Logger
    /// Whether the server is shutting down (`prenv serve` got SIGTERM): deliveries are then answered
    /// 503 without being read, so GitHub marks them failed and they can be redelivered to the next
    /// server; nothing half-recorded is left behind.
    private let isDraining: @Sendable () -> Bool
    /// The PRs a push to a branch concerns (`WebhookIntake+Push`); nil: pushes are ignored.
    let pushTargets: (@Sendable (_ repository: String, _ branch: String) async throws -> [String])?
    /// Where recorded `pull_request` events go decoded, for the worker (`DecodedEvents`); nil: nowhere.
    private let decoded: DecodedEvents?

    /// - Parameters:
    ///   - isRelevant: whether some blueprint (or an existing environment) concerns the PR; events
    ///     for other PRs are answered "ignored" and not recorded.
    ///   - onRecorded: called with the inbox key after a new event is committed.
    ///   - selectsRepository: whether some blueprint lists an `owner/name` repository: `issue_comment`
    ///     commands are recorded only there. Nil: this intake takes no commands (they are ignored).
    ///   - isDraining: true once shutdown has begun (see the property).
    ///   - decoded: the supervisor's `decodedEvents`.
    public init(
        secret: String, inbox: any EventInbox, isRelevant: @escaping @Sendable (PullRequestEvent) async -> Bool,
        onRecorded: @escaping @Sendable (String) async -> Void, now: @escaping @Sendable () -> Date = Date.init,
        logger: Logger = Logger(label: "prenv.intake"), selectsRepository: (@Sendable (String) async -> Bool)? = nil,
        isDraining: @escaping @Sendable () -> Bool = { false },
        pushTargets: (@Sendable (_ repository: String, _ branch: String) async throws -> [String])? = nil,
        decoded: DecodedEvents? = nil
    ) {
        self.decoded = decoded
        self.isDraining = isDraining
        self.pushTargets = pushTargets
        self.secret = Data(secret.utf8)
        self.inbox = inbox
        self.isRelevant = isRelevant
        self.selectsRepository = selectsRepository
        self.onRecorded = onRecorded
        self.now = now
        self.logger = logger
    }

    /// Never prints the secret.
    public var description: String { "WebhookIntake(secret: <redacted>)" }

    /// Handles one delivery (`receive`, in `+Telemetry`, counts and times it). The signature is
    /// checked first, over the raw bytes, so an unsigned request learns nothing and leaves nothing
    /// behind. While draining, every delivery is answered 503 before that (draining is no secret:
    /// `/readyz` says it too).
    ///
    /// Every line logged for the delivery, here and in the worker task its `onRecorded` starts,
    /// carries its `X-GitHub-Delivery` id (`LogContext`).
    func answer(headers: HTTPHeaders, body: Data) async -> OutcomeResponse {
        let delivery = headers["X-GitHub-Delivery"]
        return await LogContext.$current.withValue(LogContext(delivery: delivery)) {
            await receive(headers: headers, body: body, delivery: delivery)
        }
    }

    private func receive(headers: HTTPHeaders, body: Data, delivery: String?) async -> OutcomeResponse {
        if isDraining() {
            logger.notice("webhook refused: shutting down", metadata: ["delivery": "\(delivery ?? "-")"])
            return .error(503, "prenv is shutting down; redeliver (another replica or the restarted server records it)", deliveryID: delivery)
        }
        switch WebhookSignature.verify(body: body, header: headers[WebhookSignature.headerName], secret: secret) {
        case .valid: break
        case let failure:
            let reason = Self.explain(failure)
            logger.warning("webhook rejected", metadata: ["delivery": "\(delivery ?? "-")", "reason": "\(reason)"])
            return .error(401, reason, deliveryID: delivery)
        }
        let envelope: WebhookEnvelope
        do {
            envelope = try WebhookEnvelope(headers: headers, body: body)
        } catch {
            return .error(400, error.description, deliveryID: delivery)
        }
        if envelope.event == "ping" {
            return OutcomeResponse(status: 200, outcome: "pong", message: "prenv is listening", deliveryID: envelope.deliveryID)
        }
        switch envelope.event {
        case "pull_request": return await receivePullRequest(envelope)
        case "issue_comment": return await receiveIssueComment(envelope)
        case "push" where pushTargets != nil: return await receivePush(envelope)
        default:
            return .ignored("prenv acts on pull_request, issue_comment and push events only, not \(envelope.event)",
                            deliveryID: envelope.deliveryID)
        }
    }

    static func explain(_ failure: WebhookSignature.Result) -> String {
        switch failure {
        case .valid: "signature valid"
        case .missingHeader: "no X-Hub-Signature-256 header: configure the webhook with the secret prenv has"
        case .malformedHeader: "X-Hub-Signature-256 is not sha256= followed by 64 hex digits"
        case .mismatch: "X-Hub-Signature-256 does not match the body: the webhook's secret differs from prenv's"
        }
    }

    private func receivePullRequest(_ envelope: WebhookEnvelope) async -> OutcomeResponse {
        let event: PullRequestEvent
        do {
            event = try PullRequestEvent.decode(from: envelope.payload)
        } catch {
            return .error(400, "malformed pull_request payload: \(error)", deliveryID: envelope.deliveryID)
        }
        guard event.sequence != nil else {
            return .error(400, "malformed pull_request payload: pull_request.updated_at \"\(event.pullRequest.updatedAt)\" is not an ISO 8601 date",
                          deliveryID: envelope.deliveryID)
        }
        var context = LogContext.current ?? LogContext()
        context.repository = event.repository.fullName
        context.pullRequest = event.number
        return await LogContext.$current.withValue(context) { await receive(event, envelope) }
    }

    private func receive(_ event: PullRequestEvent, _ envelope: WebhookEnvelope) async -> OutcomeResponse {
        guard PullRequestEvent.actedOn.contains(event.action) else {
            return .ignored("prenv does not act on pull_request action \(event.action)", deliveryID: envelope.deliveryID)
        }
        guard await isRelevant(event) else {
            return .ignored("no blueprint lists repository \(event.repository.fullName) in on.repositories",
                            deliveryID: envelope.deliveryID)
        }
        let contentKey = event.contentKey(event: envelope.event)
        // Handed over before the append: its `onRecorded` starts the worker.
        let kept = decoded?.keep(event, contentKey: contentKey, payloadBytes: envelope.payload.count, deliveryID: envelope.deliveryID)
        let answer = await record(envelope, key: event.inboxKey, contentKey: contentKey, what: event.action)
        if answer.outcome != "accepted", let kept { decoded?.drop(kept) }
        return answer
    }

    /// Appends to the inbox (committed before the answer) and wakes the PR's worker; a duplicate is
    /// answered 202 too, since GitHub already has its delivery.
    func record(_ envelope: WebhookEnvelope, key: String, contentKey: String, what: String) async -> OutcomeResponse {
        let result: InboxAppendResult
        do {
            result = try await inbox.append(deliveryID: envelope.deliveryID, contentKey: contentKey,
                                            event: envelope.event, key: key, payload: envelope.payload, receivedAt: now())
        } catch {
            // Not recorded: say so, so GitHub shows a failed delivery that can be redelivered.
            logger.error("webhook not recorded", metadata: ["delivery": "\(envelope.deliveryID)", "error": "\(error)"])
            // The detail (a path, an SQLite code) goes to the log, not into GitHub's delivery page.
            return .error(503, "could not record the delivery; see prenv's log, then redeliver", deliveryID: envelope.deliveryID)
        }
        // Debug, not info: a line per delivery was a tenth of intake's time under a burst
        // (BENCHMARKS.md), and GitHub's delivery page lists every delivery with prenv's answer. What
        // a delivery sets off is logged at info by the worker that acts on it; duplicates (rare, and
        // a replay under a fresh id is worth seeing) at info; refusals (401, 400, 503) at warning or above.
        switch result {
        case .recorded:
            logger.debug("webhook recorded", metadata: [
                "delivery": "\(envelope.deliveryID)", "pr": "\(key)", "event": "\(envelope.event)", "action": "\(what)",
            ])
            await onRecorded(key)
            return OutcomeResponse(status: 202, outcome: "accepted", message: "\(what) for \(key) recorded",
                                  deliveryID: envelope.deliveryID)
        case .duplicate:
            // A redelivery, or the same content under a fresh delivery id (a replay): applied once.
            logger.info("webhook duplicate", metadata: ["delivery": "\(envelope.deliveryID)", "pr": "\(key)"])
            return OutcomeResponse(status: 202, outcome: "duplicate", message: "delivery already recorded", deliveryID: envelope.deliveryID)
        }
    }
}
