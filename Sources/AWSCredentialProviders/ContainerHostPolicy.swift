#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which hosts may serve container credentials over plain http: credentials must not cross a network unencrypted,
/// so only this machine (loopback), the ECS agent (169.254.170.2) and the EKS Pod Identity agent
/// (169.254.170.23, fd00:ec2::23) qualify.
///
/// Addresses are compared as parsed bytes (so `fd00:ec2:0::23` matches). Unlike the SDKs prenv does no DNS lookup:
/// of host names only `localhost` is accepted.
enum ContainerHostPolicy {
    static func isAllowedPlainHTTPHost(_ rawHost: String) -> Bool {
        var host = rawHost.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "localhost." { return true }
        if let v4 = ipv4Bytes(host) {
            return v4[0] == 127 || v4 == [169, 254, 170, 2] || v4 == [169, 254, 170, 23]
        }
        if let v6 = ipv6Bytes(host) {
            let loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]
            let eksPodIdentity: [UInt8] = [0xfd, 0x00, 0x0e, 0xc2] + Array(repeating: 0, count: 11) + [0x23]
            return v6 == loopback || v6 == eksPodIdentity
        }
        return false
    }

    static func ipv4Bytes(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
