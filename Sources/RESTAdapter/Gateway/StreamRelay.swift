import Client
import Wire

/// Relays a server-streaming call into a Sendable stream, and hands the first message (or the call's
/// error) to the handler before any HTTP status is written: a stream that fails at once (no such run)
/// answers with its error status, not a 200 that breaks off.
enum StreamRelay {
    enum First<Element: Sendable>: Sendable {
        case message(Element)
        case empty
    }

    static func start<Request: WireMessage, Response: WireMessage & Sendable>(
        _ method: MethodDescriptor<Request, Response>, _ request: Request, gateway: RPCGateway,
        metadata: [String: String], timeoutMs: UInt32?
    ) async throws(RESTError) -> (First<Response>, AsyncThrowingStream<Response, any Error>) {
        let (rest, continuation) = AsyncThrowingStream<Response, any Error>.makeStream(
            bufferingPolicy: .unbounded)
        // Unbounded on purpose: dropping a message would corrupt a PDF or lose a run's state change, and
        // both streams are bounded at their source (the server's PDF size limit; a run's few states).
        let client = gateway.client
        let first: Result<First<Response>, RESTError> = await withCheckedContinuation { firstContinuation in
            let task = Task {
                var pendingFirst: CheckedContinuation<Result<First<Response>, RESTError>, Never>? = firstContinuation
                do {
                    let stream = try await client.serverStreaming(
                        method, request, metadata: metadata, timeoutMs: timeoutMs)
                    for try await message in stream {
                        if let waiting = pendingFirst {
                            pendingFirst = nil
                            waiting.resume(returning: .success(.message(message)))
                        } else {
                            continuation.yield(message)
                        }
                    }
                    pendingFirst?.resume(returning: .success(.empty))
                    continuation.finish()
                } catch {
                    if let waiting = pendingFirst {
                        waiting.resume(returning: .failure(RESTError(CareerAIClient.rpcError(error))))
                    }
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        switch first {
        case .success(let value): return (value, rest)
        case .failure(let error):
            continuation.finish()
            throw error
        }
    }
}
