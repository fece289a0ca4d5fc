import HTTPTypes
import Hummingbird
import JSONTranscoding
import Wire

/// Who may call a route: anyone, or a signed-in caller (by `Authorization: Bearer` or the session cookie).
enum RouteAccess: Sendable {
    case open
    case session
}

/// What a route answers, for the OpenAPI document.
enum RouteAnswer: Sendable {
    case message(protoName: String, schema: MessageSchema)
    case customJSON(name: String)
    case eventStream
    case pdf
    case redirect
    case file(contentType: String)
}

/// How a route's request is described in the OpenAPI document.
enum RouteInput: Sendable {
    case none
    case body(MessageSchema, extra: [String: String] = [:])
    case query([(name: String, type: String)])
}

/// One HTTP route: method, path template (`/v1/runs/{id}`), who may call it, and its handler.
struct Route: Sendable {
    let method: HTTPRequest.Method
    let template: String
    let segments: [Substring]
    let access: RouteAccess
    /// Whether the route needs a university from the Host (every one but health and the document).
    let needsTenant: Bool
    let summary: String
    let input: RouteInput
    let answer: RouteAnswer
    let handler: @Sendable (RESTCall) async throws(RESTError) -> Response

    init(
        _ method: HTTPRequest.Method, _ template: String, access: RouteAccess, needsTenant: Bool = true,
        summary: String, input: RouteInput = .none, answer: RouteAnswer,
        handler: @escaping @Sendable (RESTCall) async throws(RESTError) -> Response
    ) {
        self.method = method
        self.template = template
        self.segments = template.split(separator: "/")
        self.access = access
        self.needsTenant = needsTenant
        self.summary = summary
        self.input = input
        self.answer = answer
        self.handler = handler
    }

    /// The path parameters when `path` fits the template, else nil.
    func match(_ pathSegments: [Substring]) -> [String: String]? {
        guard pathSegments.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (pattern, actual) in zip(segments, pathSegments) {
            if pattern.first == "{" {
                guard !actual.isEmpty, actual.utf8.count <= 128 else { return nil }
                parameters[String(pattern.dropFirst().dropLast())] = String(actual)
            } else if pattern != actual {
                return nil
            }
        }
        return parameters
    }
}

/// A message's schema for the OpenAPI document, made from its protobuf-c descriptor.
struct MessageSchema: Sendable {
    let protoName: String
    let descriptor: UnsafeDescriptor

    init<Message: WireMessage>(_ type: Message.Type) {
        protoName = Message.wireSchema.protoName
        descriptor = UnsafeDescriptor(pointer: Message.wireSchema.descriptor)
    }
}
