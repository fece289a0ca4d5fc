/// A key for a value that interceptors attach to a call (the signed-in caller, say) and handlers
/// read, without the transport knowing its type.
public protocol RPCContextKey {
    associatedtype Value: Sendable
}

/// Values attached to one call, keyed by type.
public struct RPCContextValues: Sendable {
    private var storage: [ObjectIdentifier: any Sendable] = [:]

    public init() {}

    public subscript<Key: RPCContextKey>(_ key: Key.Type) -> Key.Value? {
        get { storage[ObjectIdentifier(key)] as? Key.Value }
        set { storage[ObjectIdentifier(key)] = newValue }
    }
}
