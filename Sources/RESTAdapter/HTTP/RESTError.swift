import HTTPTypes
import Hummingbird
import JSONTranscoding
import RPCCore

/// A failed request as grpc-gateway writes it: `{"code", "message", "details": [ErrorInfo]}` with the
/// HTTP status its gRPC code maps to (or an HTTP-only status: 405, 413, 415).
struct RESTError: Error {
    var rpc: RPCError
    var status: HTTPResponse.Status
    var headers: HTTPFields = [:]

    init(_ rpc: RPCError, status: HTTPResponse.Status? = nil) {
        self.rpc = rpc
        self.status = status ?? HTTPStatusMapping.httpStatus(for: rpc)
        if self.status == .tooManyRequests, let seconds = rpc.details["retry_after_s"], let value = Int(seconds),
            value > 0
        {
            headers[.retryAfter] = String(value)
        }
    }

    static func malformed(_ message: String, field: String? = nil) -> RESTError {
        var details: [String: String] = [:]
        if let field, !field.isEmpty { details["field"] = field }
        return RESTError(RPCError(.invalidArgument, message, reason: .malformedJSON, details: details))
    }

    static func notFound(_ path: String) -> RESTError {
        RESTError(RPCError(.notFound, "no route \(path)", reason: .routeNotFound))
    }

    static func methodNotAllowed(_ allowed: [HTTPRequest.Method]) -> RESTError {
        var error = RESTError(
            RPCError(
                .unimplemented, "this path answers \(allowed.map(\.rawValue).joined(separator: ", ")) only",
                reason: .methodNotAllowed),
            status: .methodNotAllowed)
        error.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return error
    }

    static func csrf(_ message: String) -> RESTError {
        RESTError(RPCError(.permissionDenied, message, reason: .csrfRejected))
    }

    var body: JSONValue {
        var info: [(key: String, value: JSONValue)] = [
            ("@type", .string("type.googleapis.com/google.rpc.ErrorInfo")),
            ("reason", .string(rpc.reason.isEmpty ? rpc.code.description : rpc.reason)),
            ("domain", .string("careerai")),
        ]
        info.append(("metadata", .object(rpc.details.keys.sorted().map { ($0, JSONValue.string(rpc.details[$0]!)) })))
        return .object([
            ("code", .number(String(rpc.code.rawValue))),
            ("message", .string(rpc.message)),
            ("details", .array([.object(info)])),
        ])
    }

    func response() -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(
            status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.encode(body))))
    }
}
