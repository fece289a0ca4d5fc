import Foundation
import RPCCore
import RPCServer

/// The address a request comes from, for per-address limits: the TCP peer's IP, or — when the peer is
/// a trusted REST adapter — the last address in its `x-forwarded-for` (the one the adapter itself saw;
/// anything left of it is the browser's say-so).
public struct ClientAddressResolver: Sendable {
    static let maxForwardedForBytes = 1024
    private let trustedProxies: Set<String>

    public init(trustedProxies: Set<String>) {
        self.trustedProxies = Set(trustedProxies.map(IPAddressText.canonical))
    }

    public func address(of context: RPCContext) -> String? {
        guard let peer = context.peerAddress.map({ IPAddressText.canonical(Self.ip(ofPeer: $0)) }) else { return nil }
        guard trustedProxies.contains(peer), let forwarded = context.metadata[MetadataKey.forwardedFor],
            forwarded.utf8.count <= Self.maxForwardedForBytes,
            let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
            !last.isEmpty, last.utf8.count <= 64
        else { return peer }
        return IPAddressText.canonical(last)
    }

    /// `ip:port` (IPv6 written without brackets) → `ip`.
    static func ip(ofPeer peer: String) -> String {
        guard let colon = peer.lastIndex(of: ":") else { return peer }
        return String(peer[..<colon])
    }
}
