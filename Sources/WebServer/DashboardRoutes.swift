import Dashboard
import Foundation
import Hummingbird
import Logging
import Orchestrator
import Supervisor

/// `GET /` and `GET /environments/OWNER/NAME/PR/BLUEPRINT`: the dashboard's pages. They show what
/// `/api/environments` shows, so they follow its rule exactly (`APIAccess`: the bearer token when
/// `PRENV_API_TOKEN` is set, else only on a loopback address). Behind a proxy or the load balancer
/// of `infra/aws/prenv.yaml`, the pages are reached from the allowed CIDR, with the proxy adding
/// the token or prenv listening on loopback behind it.
///
/// Every answer carries headers that keep the page inert even if a value slipped through escaping:
/// a Content-Security-Policy without scripts, frames, forms or outside resources, `nosniff`, no
/// referrer (a PR's preview site or GitHub never learns the dashboard's address), and no caching
/// (the pages name every PR's resources).
public enum DashboardRoutes {
    public static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// What the pages show, from the supervisor's report over the stored `records` (the composition
    /// root's closure, so it need not know the dashboard's types).
    public static func snapshot(_ supervisor: EnvironmentSupervisor, records: [EnvironmentRecord], orphans: OrphanReport?) async throws
        -> DashboardSnapshot
    {
        try await DashboardSnapshot.gather(from: supervisor, records: records, orphans: orphans)
    }

    /// Adds the two pages to `router`; `snapshot` gathers what they show, once per request.
    public static func add(
        to router: Router<BasicRequestContext>, access: APIAccess, logger: Logger,
        snapshot: @escaping @Sendable () async throws -> DashboardSnapshot
    ) {
        let pages = router.group().add(middleware: DashboardAccessMiddleware(access: access))
        pages.get("/") { _, _ -> Response in
            try await page(logger: logger) { Dashboard.list(try await snapshot()) }
        }
        pages.get("/environments/:owner/:name/:pr/:blueprint") { _, context -> Response in
            guard let path = EnvironmentPath(owner: context.parameters.get("owner") ?? "", name: context.parameters.get("name") ?? "",
                                             pr: context.parameters.get("pr") ?? "", blueprint: context.parameters.get("blueprint") ?? "") else {
                return text(status: 404, "No such environment: the address is /environments/OWNER/NAME/PR/BLUEPRINT.\n")
            }
            return try await page(logger: logger) { Dashboard.environment(path.key, try await snapshot()) }
        }
    }

    /// The snapshot that fails (the store unreadable) is logged in full and answered 500 without
    /// detail; a cancellation passes through to the server.
    static func page(logger: Logger, _ render: () async throws -> String?) async throws -> Response {
        do {
            guard let html = try await render() else { return text(status: 404, "No such environment on this server.\n") }
            return respond(status: 200, contentType: "text/html; charset=utf-8", body: html)
        } catch let error as CancellationError {
            throw error
        } catch {
            logger.error("dashboard page failed", metadata: ["error": "\(error)"])
            return text(status: 500, "Cannot read the state store; see prenv's log.\n")
        }
    }

    static func text(status: Int, _ message: String) -> Response {
        respond(status: status, contentType: "text/plain; charset=utf-8", body: message)
    }

    static func respond(status: Int, contentType: String, body: String) -> Response {
        var headers: HTTPFields = [
            .contentType: contentType,
            .contentSecurityPolicy: contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            .cacheControl: "no-store",
        ]
        if let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy") { headers[referrerPolicy] = "no-referrer" }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// `APIAccess` for the pages: the same decision as for `/api/*`, answered as text a browser shows.
struct DashboardAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: APIAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let refusal = access.refusal(authorization: request.headers[.authorization], host: request.head.authority) else {
            return try await next(request, context)
        }
        var response = DashboardRoutes.text(status: refusal.status, "\(refusal.message) (the dashboard follows the /api/* rule)\n")
        if refusal.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}
