import Client
import Contract
import HTTPTypes
import Hummingbird
import JSONTranscoding
import NIOCore

/// The asynchronous tools' runs: start, list, read, watch live (Server-Sent Events), download the PDF.
enum RunRoutes {
    static func routes() -> [Route] {
        let run = RouteAnswer.message(protoName: "Run", schema: MessageSchema(RunMessage.self))
        return [
            Route(
                .post, "/v1/runs/job-pack", access: .session,
                summary: "Start a Job Pack (charges credits; Idempotency-Key honoured)",
                input: .body(MessageSchema(StartJobPackRequest.self)), answer: run
            ) { call throws(RESTError) in try await call.forward(Methods.RunService.startJobPack) },
            Route(
                .post, "/v1/runs/skill-mapper", access: .session,
                summary: "Start a Skill Mapper run (charges credits; Idempotency-Key honoured)",
                input: .body(MessageSchema(StartSkillMapperRequest.self)), answer: run
            ) { call throws(RESTError) in try await call.forward(Methods.RunService.startSkillMapper) },
            Route(
                .get, "/v1/runs", access: .session, summary: "The caller's runs, newest first",
                input: .query([("pageSize", "integer"), ("pageToken", "string")]),
                answer: .message(protoName: "ListRunsResponse", schema: MessageSchema(ListRunsResponse.self))
            ) { call throws(RESTError) in
                try await call.forward(Methods.RunService.listRuns, json: call.queryJSON(["pageSize", "pageToken"]))
            },
            Route(.get, "/v1/runs/{id}", access: .session, summary: "One run", answer: run) { call throws(RESTError) in
                try await call.forward(
                    Methods.RunService.getRun, json: .object([("id", .string(call.parameters["id"]!))]))
            },
            Route(
                .get, "/v1/runs/{id}/events", access: .session,
                summary:
                    "Server-Sent Events: a `run` event with the current state, one per status change, closed after the final state; `: keep-alive` every 15 s",
                answer: .eventStream, handler: events),
            Route(
                .get, "/v1/runs/{id}/pdf", access: .session,
                summary: "The Job Pack as a PDF (a succeeded Job Pack only)",
                answer: .pdf, handler: pdf),
        ]
    }

    static func events(_ call: RESTCall) async throws(RESTError) -> Response {
        var request = WatchRunRequest()
        request.id = call.parameters["id"]!
        // A watch lasts as long as the run: no deadline beyond what the caller asked (nil: none).
        let (first, rest) = try await StreamRelay.start(
            Methods.RunService.watchRun, request, gateway: call.services.gateway, metadata: call.metadata,
            timeoutMs: call.timeoutMs)
        let keepAlive = call.services.configuration.keepAliveInterval
        let shutdown = call.services.shutdown
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let body = ResponseBody { writer in
            let (events, sink) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .unbounded)  // a run has few states; keep-alives one per interval
            let shutdownID = shutdown.register { sink.finish() }
            defer { shutdown.unregister(shutdownID) }
            if case .message(let run) = first { sink.yield(try event(run)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await run in rest { sink.yield(try event(run)) }
                    } catch {
                        // The watch broke off (server gone, deadline): say so, then end the stream.
                        let rpc = RESTError(CareerAIClient.rpcError(error))
                        sink.yield(
                            ByteBuffer(
                                bytes: Array("event: error\ndata: ".utf8) + JSONWriter.encode(rpc.body)
                                    + Array("\n\n".utf8)))
                    }
                    sink.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: keepAlive)
                        sink.yield(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
                for await chunk in events { try await writer.write(chunk) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func event(_ run: RunMessage) throws -> ByteBuffer {
        let json = try RPCGateway.json(run)
        return ByteBuffer(bytes: Array("event: run\ndata: ".utf8) + JSONWriter.encode(json) + Array("\n\n".utf8))
    }

    static func pdf(_ call: RESTCall) async throws(RESTError) -> Response {
        var request = GetRunPdfRequest()
        let id = call.parameters["id"]!
        request.id = id
        let (first, rest) = try await StreamRelay.start(
            Methods.RunService.getRunPdf, request, gateway: call.services.gateway, metadata: call.metadata,
            timeoutMs: call.timeoutMs)
        var headers = HTTPFields()
        headers[.contentType] = "application/pdf"
        let safeID = String(
            id.unicodeScalars.filter {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains(Character($0)) || $0 == "-")
            }.prefix(64).map(Character.init))
        headers[.contentDisposition] = "attachment; filename=\"job-pack-\(safeID).pdf\""
        let body = ResponseBody { writer in
            if case .message(let chunk) = first { try await writer.write(ByteBuffer(bytes: chunk.data)) }
            for try await chunk in rest { try await writer.write(ByteBuffer(bytes: chunk.data)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
