import Foundation
import Hummingbird
import Supervisor

/// Who may read `/api/*`. Its answers name every PR's environments, resources and errors, so they
/// are not for anyone who can reach the port: with `PRENV_API_TOKEN` set, only requests carrying
/// `Authorization: Bearer <token>`; without one, everyone only while prenv listens on a loopback
/// address (only this machine can connect), and no one otherwise (403 naming the fix). Refusing
/// rather than not routing keeps the answer explicit for an operator who forgot the token.
public struct APIAccess: Sendable {
    enum Rule: Sendable {
        case token([UInt8])
        case open
        case refused
    }

    let rule: Rule

    /// Requests must carry `Authorization: Bearer <token>`.
    public static func token(_ token: String) -> APIAccess { APIAccess(rule: .token(Array(token.utf8))) }
    /// No token and listening on a loopback address: served as is.
    public static let loopbackOnly = APIAccess(rule: .open)
    /// No token and reachable from other machines: `/api/*` answers 403.
    public static let refused = APIAccess(rule: .refused)

    /// The rule for `settings`-like inputs: a token wins; else loopback decides.
    public static func forServer(token: String?, listensOnLoopback: Bool) -> APIAccess {
        token.map(Self.token) ?? (listensOnLoopback ? .loopbackOnly : .refused)
    }

    /// The refusal for a request's `Authorization` and `Host` headers, or nil when it may proceed.
    func refusal(authorization: String?, host: String? = nil) -> (status: Int, message: String)? {
        switch rule {
        case .open:
            // Only this machine can connect, but a web page its user visits can rebind its own
            // name to 127.0.0.1 and read the answers (DNS rebinding): such a request names that
            // page's host, so only loopback names are served.
            guard let host, !Self.isLoopbackHost(host) else { return nil }
            return (403, "served without a token only to requests addressed to a loopback host (127.0.0.1, localhost, [::1]); set PRENV_API_TOKEN")
        case .refused:
            return (403, "/api/* is served without a token only on a loopback address; set PRENV_API_TOKEN")
        case let .token(expected):
            let scheme = "Bearer "
            guard let header = authorization, header.count > scheme.count,
                  header.prefix(scheme.count).lowercased() == scheme.lowercased(),
                  Self.constantTimeEqual(Array(header.dropFirst(scheme.count).utf8), expected) else {
                return (401, "missing or wrong bearer token")
            }
            return nil
        }
    }

    /// `Host` names this machine's loopback: `localhost`, `127.x.x.x` or `[::1]`, with or without a port.
    static func isLoopbackHost(_ header: String) -> Bool {
        var host = Substring(header.lowercased())
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            return host[host.index(after: host.startIndex)..<close] == "::1"
        }
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        if host == "localhost" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Compares without stopping at the first difference, so timing does not reveal how much of a
    /// guess was right. Only the length leaks, which a 32-byte random token makes useless.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}

/// Applies `APIAccess` to every route of the group it is added to.
struct APIAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: APIAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let refusal = access.refusal(authorization: request.headers[.authorization], host: request.head.authority) else {
            return try await next(request, context)
        }
        var response = PrenvRouter.json(status: refusal.status, OutcomeResponse.error(refusal.status, refusal.message).body)
        if refusal.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}
