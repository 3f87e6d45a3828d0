import Foundation

/// Which redirects `CurlTransport` follows: only to the same origin (scheme, host and port),
/// never from https to http. A redirected request carries every header of the first,
/// `Authorization` included, so following a 3xx to another host would hand it the token; a refused
/// redirect comes back to the caller as the 3xx response itself.
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
