import NIOCore
import NIOPosix
import RPCCore
import Synchronization
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps one connection to the server: opens it on the first call, shares it between calls, and opens
/// a new one when it closed or the server sent GOAWAY.
final class ConnectionManager: Sendable {
    private enum State {
        case idle
        case connecting(EventLoopFuture<ClientConnection>)
        case ready(ClientConnection)
        case shutDown
    }

    private enum Next {
        case use(ClientConnection)
        case wait(EventLoopFuture<ClientConnection>)
        case fail(RPCError)
    }

    private let configuration: ClientConfiguration
    private let group: any EventLoopGroup
    private let state = Mutex(State.idle)

    init(configuration: ClientConfiguration, group: any EventLoopGroup) {
        self.configuration = configuration
        self.group = group
    }

    func connection() async throws(RPCError) -> ClientConnection {
        let next: Next = state.withLock { state in
            switch state {
            case .ready(let connection) where connection.isUsable:
                return .use(connection)
            case .connecting(let future):
                return .wait(future)
            case .shutDown:
                return .fail(RPCError(.unavailable, "the client was closed", reason: .clientClosed))
            case .idle, .ready:
                let future = connect()
                state = .connecting(future)
                return .wait(future)
            }
        }
        switch next {
        case .use(let connection):
            return connection
        case .fail(let error):
            throw error
        case .wait(let future):
            do {
                return try await future.get()
            } catch {
                throw describeConnectFailure(error)
            }
        }
    }

    func shutDown() async {
        let previous = state.withLock { state in
            defer { state = .shutDown }
            return state
        }
        switch previous {
        case .ready(let connection): await connection.close()
        case .connecting(let future): try? await future.get().close()
        case .idle, .shutDown: break
        }
    }

    private func connect() -> EventLoopFuture<ClientConnection> {
        let eventLoop = group.next()
        let ready = eventLoop.makePromise(of: Void.self)
        let goingAway = GoingAwayFlag()
        let maxFrameBytes = configuration.maxFrameBytes
        let maxCalls = max(1, configuration.maxCallsPerConnection)
        let connectTimeout = TimeAmount.milliseconds(configuration.connectTimeoutMs)
        let future = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ClientPrefaceHandler(ready: ready))
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
                    try sync.addHandler(MessageToByteHandler(FrameEncoder()))
                    try sync.addHandler(ClientCallsHandler(maxCallID: maxCalls, onGoaway: { goingAway.set() }))
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .flatMapError { error -> EventLoopFuture<any Channel> in
                ready.fail(error)  // no channel, so no preface handler will ever complete it
                return eventLoop.makeFailedFuture(error)
            }
            .flatMap { channel in
                // The server must answer the preface within the connect timeout too.
                let timer = channel.eventLoop.scheduleTask(in: connectTimeout) {
                    ready.fail(ChannelError.connectTimeout(connectTimeout))
                    channel.close(promise: nil)
                }
                return ready.futureResult.flatMapThrowing { () -> ClientConnection in
                    timer.cancel()
                    let handler = try channel.pipeline.syncOperations.handler(type: ClientCallsHandler.self)
                    return ClientConnection(
                        channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop),
                        goingAway: goingAway)
                }.flatMapError { error -> EventLoopFuture<ClientConnection> in
                    timer.cancel()
                    channel.close(promise: nil)
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        future.whenComplete { [self] (result: Result<ClientConnection, any Error>) in
            state.withLock { state in
                guard case .connecting(let pending) = state, pending === future else { return }
                switch result {
                case .success(let connection): state = .ready(connection)
                case .failure: state = .idle  // the next call tries again
                }
            }
        }
        return future
    }

    private func describeConnectFailure(_ error: any Error) -> RPCError {
        let target = "\(configuration.host):\(configuration.port)"
        let why: String
        switch error {
        case let error as RPCError:
            return error
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first {
                why = Self.describe(first.error)
            } else if let dns = error.dnsAAAAError ?? error.dnsAError {
                why = "cannot resolve \(configuration.host): \(dns)"
            } else {
                why = "no address to connect to"
            }
        case let error as ClientPrefaceHandler.HandshakeError:
            switch error {
            case .notACareerAIServer: why = "it does not speak the CareerAI RPC protocol"
            case .unsupportedVersion(let version):
                why = "it speaks protocol version \(version), this client speaks \(Preface.currentVersion)"
            case .closedDuringHandshake: why = "it closed the connection during the handshake"
            }
        default:
            why = Self.describe(error)
        }
        return RPCError(
            .unavailable, "cannot reach \(target) (\(why))", reason: .connectFailed, details: ["target": target])
    }

    private static func describe(_ error: any Error) -> String {
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode)).lowercased()
        }
        if case ChannelError.connectTimeout(let amount) = error {
            return "no answer within \(amount.nanoseconds / 1_000_000) ms"
        }
        return "\(error)"
    }
}
