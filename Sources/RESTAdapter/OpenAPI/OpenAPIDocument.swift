import CareerAIProtoC
import JSONTranscoding

/// OpenAPI 3.1 for every route, made from the route table and the messages' descriptors, so the
/// document cannot drift from what the adapter does.
enum OpenAPIDocument {
    static func make(_ routes: [Route]) -> [UInt8] {
        var schemas: [String: JSONValue] = [:]
        var paths: [String: [(key: String, value: JSONValue)]] = [:]
        var order: [String] = []
        for route in routes {
            var operation: [(key: String, value: JSONValue)] = [("summary", .string(route.summary))]
            operation.append(("operationId", .string(operationID(route))))
            var parameters: [JSONValue] = route.segments.filter { $0.first == "{" }.map { segment in
                .object([
                    ("name", .string(String(segment.dropFirst().dropLast()))), ("in", .string("path")),
                    ("required", .bool(true)),
                    ("schema", .object([("type", .string("string")), ("maxLength", .number("128"))])),
                ])
            }
            switch route.input {
            case .query(let names):
                for (name, type) in names {
                    parameters.append(
                        .object([
                            ("name", .string(name)), ("in", .string("query")),
                            ("schema", .object([("type", .string(type))])),
                        ]))
                }
            case .body(let schema, let extra):
                var ref = reference(schema, into: &schemas)
                if !extra.isEmpty {
                    ref = .object([
                        (
                            "allOf",
                            .array([
                                ref,
                                .object([
                                    ("type", .string("object")),
                                    (
                                        "properties",
                                        .object(
                                            extra.map {
                                                (
                                                    $0.key,
                                                    JSONValue.object([
                                                        ("type", .string("string")),
                                                        (
                                                            "enum",
                                                            .array(
                                                                $0.value.split(separator: "|").map {
                                                                    .string(String($0))
                                                                })
                                                        ),
                                                    ])
                                                )
                                            })
                                    ),
                                ]),
                            ])
                        )
                    ])
                }
                operation.append(
                    (
                        "requestBody",
                        .object([
                            ("required", .bool(false)),
                            ("content", .object([("application/json", .object([("schema", ref)]))])),
                        ])
                    ))
            case .none: break
            }
            if !parameters.isEmpty { operation.append(("parameters", .array(parameters))) }
            if route.access == .session {
                operation.append(
                    ("security", .array([.object([("bearer", .array([]))]), .object([("cookie", .array([]))])])))
            }
            operation.append(("responses", .object([success(route, &schemas), ("default", errorResponse)])))
            if paths[route.template] == nil { order.append(route.template) }
            paths[route.template, default: []].append((route.method.rawValue.lowercased(), .object(operation)))
        }
        schemas["Error"] = errorSchema
        let document: JSONValue = .object([
            ("openapi", .string("3.1.0")),
            ("info", .object([("title", .string("CareerAI REST API")), ("version", .string("1.0.0"))])),
            ("paths", .object(order.map { ($0, JSONValue.object(paths[$0]!)) })),
            (
                "components",
                .object([
                    ("schemas", .object(schemas.keys.sorted().map { ($0, schemas[$0]!) })),
                    (
                        "securitySchemes",
                        .object([
                            ("bearer", .object([("type", .string("http")), ("scheme", .string("bearer"))])),
                            (
                                "cookie",
                                .object([
                                    ("type", .string("apiKey")), ("in", .string("cookie")),
                                    ("name", .string(SessionCookies.sessionName)),
                                ])
                            ),
                        ])
                    ),
                ])
            ),
        ])
        return JSONWriter.encode(document)
    }

    static func operationID(_ route: Route) -> String {
        route.method.rawValue.lowercased()
            + route.segments.map { segment in
                segment.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")
                    .split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map {
                        $0.prefix(1).uppercased() + $0.dropFirst()
                    }.joined()
            }.joined()
    }

    static func success(_ route: Route, _ schemas: inout [String: JSONValue]) -> (key: String, value: JSONValue) {
        func content(_ type: String, _ schema: JSONValue) -> JSONValue {
            .object([("content", .object([(type, .object([("schema", schema)]))]))])
        }
        func described(_ text: String, _ rest: JSONValue) -> JSONValue {
            guard case .object(let members) = rest else { return rest }
            return .object([("description", .string(text))] + members)
        }
        switch route.answer {
        case .message(_, let schema):
            return ("200", described("OK", content("application/json", reference(schema, into: &schemas))))
        case .customJSON:
            return ("200", described("OK", content("application/json", .object([("type", .string("object"))]))))
        case .eventStream:
            return (
                "200",
                described("Server-Sent Events", content("text/event-stream", .object([("type", .string("string"))])))
            )
        case .pdf:
            return (
                "200",
                described(
                    "The PDF",
                    content("application/pdf", .object([("type", .string("string")), ("format", .string("binary"))])))
            )
        case .file(let type):
            return ("200", described("The file", content(type, .object([("type", .string("string"))]))))
        case .redirect: return ("302", .object([("description", .string("Redirect"))]))
        }
    }

    static let errorResponse: JSONValue = .object([
        ("description", .string("An error as grpc-gateway writes it")),
        (
            "content",
            .object([
                ("application/json", .object([("schema", .object([("$ref", .string("#/components/schemas/Error"))]))]))
            ])
        ),
    ])

    static let errorSchema: JSONValue = .object([
        ("type", .string("object")), ("required", .array([.string("code"), .string("message"), .string("details")])),
        (
            "properties",
            .object([
                ("code", .object([("type", .string("integer"))])),
                ("message", .object([("type", .string("string"))])),
                ("details", .object([("type", .string("array")), ("items", .object([("type", .string("object"))]))])),
            ])
        ),
    ])

    static func reference(_ schema: MessageSchema, into schemas: inout [String: JSONValue]) -> JSONValue {
        let name = shortName(schema.descriptor.pointer)
        addSchema(schema.descriptor.pointer, into: &schemas)
        return .object([("$ref", .string("#/components/schemas/\(name)"))])
    }

    static func shortName(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> String {
        String(cString: descriptor.pointee.short_name)
    }

    static func addSchema(
        _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, into schemas: inout [String: JSONValue]
    ) {
        let name = shortName(descriptor)
        guard schemas[name] == nil else { return }
        schemas[name] = .null  // reserve: messages may nest
        var properties: [(key: String, value: JSONValue)] = []
        for field in ProtoJSON.fields(of: descriptor) {
            var type: JSONValue
            switch field.type {
            case PROTOBUF_C_TYPE_STRING: type = .object([("type", .string("string"))])
            case PROTOBUF_C_TYPE_BYTES:
                type = .object([("type", .string("string")), ("contentEncoding", .string("base64"))])
            case PROTOBUF_C_TYPE_BOOL: type = .object([("type", .string("boolean"))])
            case PROTOBUF_C_TYPE_INT32: type = .object([("type", .string("integer")), ("format", .string("int32"))])
            case PROTOBUF_C_TYPE_UINT32:
                type = .object([("type", .string("integer")), ("format", .string("uint32")), ("minimum", .number("0"))])
            case PROTOBUF_C_TYPE_UINT64:
                type = .object([("type", .string("integer")), ("format", .string("uint64")), ("minimum", .number("0"))])
            case PROTOBUF_C_TYPE_MESSAGE:
                let nested = field.descriptor!.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                addSchema(nested, into: &schemas)
                type = .object([("$ref", .string("#/components/schemas/\(shortName(nested))"))])
            default: type = .object([("type", .string("integer")), ("format", .string("int64"))])
            }
            if field.label == PROTOBUF_C_LABEL_REPEATED {
                type = .object([("type", .string("array")), ("items", type)])
            } else if field.type == PROTOBUF_C_TYPE_MESSAGE {
                type = .object([("anyOf", .array([type, .object([("type", .string("null"))])]))])
            }
            properties.append((ProtoJSON.jsonName(String(cString: field.name)), type))
        }
        schemas[name] = .object([("type", .string("object")), ("properties", .object(properties))])
    }
}
