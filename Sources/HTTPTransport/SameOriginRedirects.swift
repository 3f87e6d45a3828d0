import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Which redirects `URLSessionTransport` follows: only to the same origin (scheme, host and port),
/// never from https to http. Foundation on Linux copies every request header, `Authorization`
/// included, onto the redirected request, so following a 3xx to another host would hand it the
/// token; a refused redirect comes back to the caller as the 3xx response itself.
public enum SameOriginRedirects {
    /// Whether a request to `from` may be repeated at `to` with the same headers.
    public static func allows(from: URL, to: URL) -> Bool {
        guard let fromScheme = from.scheme?.lowercased(), let toScheme = to.scheme?.lowercased(),
              let fromHost = from.host?.lowercased(), let toHost = to.host?.lowercased()
        else { return false }
        guard fromScheme == toScheme, fromHost == toHost else { return false }
        return (from.port ?? defaultPort(fromScheme)) == (to.port ?? defaultPort(toScheme))
    }

    static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "https": 443
        case "http": 80
        default: nil
        }
    }
}

/// The session delegate that applies `SameOriginRedirects`: returning nil to the completion handler
/// makes URLSession hand back the 3xx instead of following it.
final class SameOriginRedirectDelegate: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        guard let from = task.currentRequest?.url ?? task.originalRequest?.url, let to = request.url,
              SameOriginRedirects.allows(from: from, to: to)
        else { return completionHandler(nil) }
        completionHandler(request)
    }
}
