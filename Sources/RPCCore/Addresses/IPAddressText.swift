#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One spelling per address, so that limits and trust lists compare addresses, not texts: IPv6 in
/// its RFC 5952 form (lower case, zeros compressed), and an IPv4-mapped IPv6 address
/// (`::ffff:10.0.0.5`, how a dual-stack listener sees an IPv4 peer) as the IPv4 address it is.
/// Text that is not an address is returned unchanged.
public enum IPAddressText {
    public static func canonical(_ text: String) -> String {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return format(AF_INET, &v4) ?? text }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return text }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return "\(bytes[12]).\(bytes[13]).\(bytes[14]).\(bytes[15])"
        }
        return format(AF_INET6, &v6) ?? text
    }

    /// What a per-address limit counts: an IPv4 address itself, an IPv6 address's /64 (the
    /// smallest block a host is given: one host can use any of its 2^64 addresses).
    public static func limitKey(_ text: String) -> String {
        let address = canonical(text)
        var v6 = in6_addr()
        guard address.contains(":"), inet_pton(AF_INET6, address, &v6) == 1 else { return address }
        withUnsafeMutableBytes(of: &v6) { bytes in
            for index in 8..<16 { bytes[index] = 0 }
        }
        return (format(AF_INET6, &v6) ?? address) + "/64"
    }

    private static func format<Address>(_ family: Int32, _ address: inout Address) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(cString: buffer)
    }
}
