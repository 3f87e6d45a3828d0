import HTTPTransport
import Dashboard
import Foundation
import Hummingbird
import Logging
import Supervisor
import Telemetry

/// The HTTP surface of `prenv serve`, as routes over framework-free handlers:
/// `POST /webhooks/github`, `GET /healthz`, `GET /readyz`, `GET /api/environments`, `GET /api/orphans`,
/// `GET /metrics`, and the dashboard's pages (`DashboardRoutes`). Everything under `/api/`, the
/// metrics and the dashboard are behind `api` (see `APIAccess`); the webhook is authenticated by its
/// signature, health and readiness by nothing.
public enum PrenvRouter {
    /// GitHub caps webhook payloads at 25 MB; a `pull_request` payload is tens of kilobytes, so the
    /// default (see `ServeOptions`) leaves ample room and bounds what an attacker can make us buffer.
    public static func make(
        intake: WebhookIntake, maxBodyBytes: Int,
        environments: @escaping @Sendable () async throws -> Data,
        health: @escaping @Sendable () async -> Bool,
        orphans: @escaping @Sendable () async throws -> Data = { try OrphanReportDocument(nil, masked: true).json() },
        api: APIAccess = .refused,
        metrics: MetricsExposition? = nil,
        readiness: @escaping @Sendable () async -> String? = { nil },
        logger: Logger = Logger(label: "prenv.http"),
        dashboard: (@Sendable () async throws -> DashboardSnapshot)? = nil
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/webhooks/github") { request, _ -> Response in
            let arrived = ContinuousClock.now
            if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBodyBytes {
                return tooLarge(maxBodyBytes, event: githubEvent(request), since: arrived)
            }
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: maxBodyBytes)
            } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
                return tooLarge(maxBodyBytes, event: githubEvent(request), since: arrived)
            }
            var headers = HTTPTransport.HTTPHeaders()
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let answer = await intake.receive(headers: headers, body: Data(buffer: buffer))
            var response = json(status: answer.status, answer.body)
            // Not recorded (the state store is down): nothing was kept, so the same delivery may come again.
            if answer.status == 503 { response.headers[.retryAfter] = "30" }
            return response
        }
        router.get("/healthz") { _, _ -> Response in
            await health()
                ? json(status: 200, Data(#"{"status":"ok"}"#.utf8))
                : json(status: 503, Data(#"{"status":"starting"}"#.utf8))
        }
        // Readiness, not liveness: nil is ready, else the reason, as JSON (see `Readiness` in PrenvApp).
        router.get("/readyz") { _, _ -> Response in
            guard let reason = await readiness() else { return json(status: 200, Data(#"{"status":"ready"}"#.utf8)) }
            return json(status: 503, (try? JSONSerialization.data(withJSONObject: ["status": "not ready", "reason": reason])) ?? Data())
        }
        let apiRoutes = router.group("/api").add(middleware: APIAccessMiddleware(access: api))
        apiRoutes.get("environments") { _, _ -> Response in
            do {
                return json(status: 200, try await environments())
            } catch {
                logger.error("GET /api/environments failed", metadata: ["error": "\(error)"])
                return json(status: 500, OutcomeResponse.error(500, "cannot read the state store; see prenv's log").body)
            }
        }
        apiRoutes.get("orphans") { _, _ -> Response in
            do {
                return json(status: 200, try await orphans())
            } catch {
                logger.error("GET /api/orphans failed", metadata: ["error": "\(error)"])
                return json(status: 500, OutcomeResponse.error(500, "cannot report the orphan sweep; see prenv's log").body)
            }
        }
        if let metrics { addMetrics(metrics, to: router, access: api, logger: logger) }
        if let dashboard { DashboardRoutes.add(to: router, access: api, logger: logger, snapshot: dashboard) }
        return router
    }

    /// `X-GitHub-Event`, for the metric of a body refused before the intake reads the headers.
    static func githubEvent(_ request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == "x-github-event" }?.value
    }

    /// 413, counted as a webhook `too_large` (the intake never sees it).
    static func tooLarge(_ limit: Int, event: String?, since arrived: ContinuousClock.Instant) -> Response {
        Telemetry.webhookReceived(event: Telemetry.WebhookEvent(header: event), outcome: .tooLarge, duration: arrived.duration(to: .now))
        return json(status: 413, OutcomeResponse.error(413, "body is larger than \(limit) bytes").body)
    }

    static func json(status: Int, _ body: Data) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
