import Foundation

/// A JSON schema inside OpenAI strict mode's subset, by construction: every object lists all its
/// properties as required and has `additionalProperties: false`; optional values are
/// `["string","null"]`. Counts and ranges the subset cannot say are stated in `description` and
/// checked by each tool's own validation.
public indirect enum JSONSchema: Sendable, Equatable {
    case string(description: String? = nil)
    case nullableString(description: String? = nil)
    case enumeration([String], description: String? = nil)
    case integer(description: String? = nil)
    case array(JSONSchema, description: String? = nil)
    case object([Property])

    public struct Property: Sendable, Equatable {
        public var name: String
        public var schema: JSONSchema

        public init(_ name: String, _ schema: JSONSchema) {
            self.name = name
            self.schema = schema
        }
    }

    /// The schema as JSON text, keys in a fixed order (the same request bytes every time).
    public var jsonText: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        func field(_ name: String, _ value: String, first: Bool = false) {
            out += (first ? "" : ",") + JSONSchema.quoted(name) + ":" + value
        }
        func description(_ text: String?) {
            if let text { field("description", JSONSchema.quoted(text)) }
        }
        out += "{"
        switch self {
        case .string(let text):
            field("type", "\"string\"", first: true)
            description(text)
        case .nullableString(let text):
            field("type", "[\"string\",\"null\"]", first: true)
            description(text)
        case .enumeration(let values, let text):
            field("type", "\"string\"", first: true)
            field("enum", "[" + values.map(JSONSchema.quoted).joined(separator: ",") + "]")
            description(text)
        case .integer(let text):
            field("type", "\"integer\"", first: true)
            description(text)
        case .array(let items, let text):
            field("type", "\"array\"", first: true)
            out += ",\"items\":"
            items.write(into: &out)
            description(text)
        case .object(let properties):
            field("type", "\"object\"", first: true)
            out += ",\"properties\":{"
            for (index, property) in properties.enumerated() {
                out += (index == 0 ? "" : ",") + JSONSchema.quoted(property.name) + ":"
                property.schema.write(into: &out)
            }
            out += "}"
            field("required", "[" + properties.map { JSONSchema.quoted($0.name) }.joined(separator: ",") + "]")
            field("additionalProperties", "false")
        }
        out += "}"
    }

    /// A JSON string literal (the request bodies built around a schema use it too).
    public static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data()
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}

/// A tool's output schema with the name OpenAI's `json_schema.name` carries.
public struct ToolSchema: Sendable, Equatable {
    public var name: String
    public var schema: JSONSchema

    public init(name: String, schema: JSONSchema) {
        self.name = name
        self.schema = schema
    }
}
