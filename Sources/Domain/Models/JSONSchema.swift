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

    /// A JSON string literal (the request bodies built around a schema use it too): RFC 8259's
    /// escapes (quote, backslash, control characters), byte by byte. Every other byte is copied, so a
    /// valid String stays valid UTF-8. (JSONSerialization of a one-element array, then trimming the
    /// brackets as Characters, cost a worker more than the rest of a MOCK run.)
    public static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 2)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x00..<0x20:
                out += Array("\\u00".utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
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
