import Client
import HTTPTypes
import Hummingbird
import JSONTranscoding

enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(
            status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.encode(value)))
        )
    }
}

extension RESTCall {
    /// Calls unary `method` with `json` (the body when nil) and answers the server's response as JSON.
    func forward<Request, Response>(_ method: MethodDescriptor<Request, Response>, json: JSONValue? = nil)
        async throws(RESTError) -> Hummingbird.Response
    {
        let answer = try await services.gateway.unary(
            method, json: json ?? body, metadata: metadata, timeoutMs: timeoutMs)
        return JSONResponse.make(answer.json)
    }
}
