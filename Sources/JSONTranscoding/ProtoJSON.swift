import CareerAIProtoC
import Wire

/// A request body that does not fit its message: the field path (`resume.text`, `interests[2]`) and why.
public struct ProtoJSONError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let problem: String
    public var description: String { field.isEmpty ? problem : "\(field): \(problem)" }
}

/// Translates between protobuf's binary encoding and JSON for any message of the contract, driven by
/// the protobuf-c descriptors generated from `Proto/` — the way grpc-gateway transcodes, so a method
/// the contract gains needs no hand-written JSON.
///
/// The JSON follows protojson with two documented choices of this API: 64-bit integers are JSON
/// numbers (accepted as strings too), and responses carry every field, zero values included (an
/// absent message field is `null`). Names print as lowerCamelCase; requests accept that or the
/// proto's snake_case. Unknown members are refused, as protojson does by default.
public enum ProtoJSON {
    /// The protobuf encoding of `json` as the message `descriptor` describes.
    public static func protobufBytes(
        from json: JSONValue, descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    ) throws(ProtoJSONError) -> [UInt8] {
        var encoder = ProtobufWriter()
        try encodeMessage(json, descriptor, path: "", into: &encoder)
        return encoder.bytes
    }

    /// The JSON of the protobuf message `bytes` (which the client library produced, so well-formed).
    public static func json(
        fromProtobuf bytes: [UInt8], descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    ) throws(ProtoJSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(ProtoJSONError) in
            var reader = ProtobufReader(buffer: buffer)
            return try decodeMessage(&reader, descriptor, path: "")
        }
    }

    /// The JSON name of a proto field: `job_title` → `jobTitle`.
    public static func jsonName(_ protoName: String) -> String {
        var result = ""
        var upperNext = false
        for character in protoName {
            if character == "_" {
                upperNext = true
            } else if upperNext {
                result += character.uppercased()
                upperNext = false
            } else {
                result.append(character)
            }
        }
        return result
    }

    public static func fields(of descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> UnsafeBufferPointer<
        ProtobufCFieldDescriptor
    > {
        UnsafeBufferPointer(start: descriptor.pointee.fields, count: Int(descriptor.pointee.n_fields))
    }

    static func nested(_ field: ProtobufCFieldDescriptor) -> UnsafePointer<ProtobufCMessageDescriptor> {
        field.descriptor!.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
    }

    // MARK: JSON → protobuf

    private static func encodeMessage(
        _ json: JSONValue, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, path: String,
        into writer: inout ProtobufWriter
    ) throws(ProtoJSONError) {
        guard case .object(let members) = json else {
            throw ProtoJSONError(field: path, problem: "expected an object, got \(json.typeName)")
        }
        let fields = fields(of: descriptor)
        var seen = Set<UInt32>()
        for member in members {
            guard
                let field = fields.first(where: {
                    let name = String(cString: $0.name)
                    return name == member.key || jsonName(name) == member.key
                })
            else {
                throw ProtoJSONError(field: join(path, member.key), problem: "no such field")
            }
            let fieldPath = join(path, jsonName(String(cString: field.name)))
            guard seen.insert(field.id).inserted else {
                throw ProtoJSONError(field: fieldPath, problem: "given twice (by both of its names)")
            }
            if member.value == .null { continue }  // protojson: null is the field's default
            if field.label == PROTOBUF_C_LABEL_REPEATED {
                guard case .array(let elements) = member.value else {
                    throw ProtoJSONError(field: fieldPath, problem: "expected an array, got \(member.value.typeName)")
                }
                for (position, element) in elements.enumerated() {
                    try encodeValue(element, field, path: "\(fieldPath)[\(position)]", into: &writer, keepZero: true)
                }
            } else {
                try encodeValue(member.value, field, path: fieldPath, into: &writer, keepZero: false)
            }
        }
    }

    private static func encodeValue(
        _ json: JSONValue, _ field: ProtobufCFieldDescriptor, path: String, into writer: inout ProtobufWriter,
        keepZero: Bool
    ) throws(ProtoJSONError) {
        let number = field.id
        switch field.type {
        case PROTOBUF_C_TYPE_STRING:
            guard case .string(let text) = json else {
                throw ProtoJSONError(field: path, problem: "expected a string, got \(json.typeName)")
            }
            if text.isEmpty && !keepZero { return }
            writer.lengthDelimited(number, Array(text.utf8))
        case PROTOBUF_C_TYPE_BYTES:
            guard case .string(let text) = json, let decoded = Base64.decode(text) else {
                throw ProtoJSONError(field: path, problem: "expected base64 text")
            }
            if decoded.isEmpty && !keepZero { return }
            writer.lengthDelimited(number, decoded)
        case PROTOBUF_C_TYPE_BOOL:
            guard case .bool(let flag) = json else {
                throw ProtoJSONError(field: path, problem: "expected true or false, got \(json.typeName)")
            }
            if !flag && !keepZero { return }
            writer.varint(number, flag ? 1 : 0)
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_UINT64,
            PROTOBUF_C_TYPE_ENUM:
            let value = try integer(json, field.type, path: path)
            if value.isZero && !keepZero { return }
            writer.varint(number, value.wireBits)
        case PROTOBUF_C_TYPE_MESSAGE:
            var inner = ProtobufWriter()
            try encodeMessage(json, nested(field), path: path, into: &inner)
            writer.lengthDelimited(number, inner.bytes)
        default:
            throw ProtoJSONError(field: path, problem: "this field's type is not transcoded")
        }
    }

    /// An integer of the field's type from a JSON number or numeric string, refusing fractions and
    /// values out of the type's range.
    private static func integer(_ json: JSONValue, _ type: ProtobufCType, path: String) throws(ProtoJSONError)
        -> WireInteger
    {
        let text: String
        switch json {
        case .number(let digits): text = digits
        case .string(let digits): text = digits
        default: throw ProtoJSONError(field: path, problem: "expected an integer, got \(json.typeName)")
        }
        let signed = type == PROTOBUF_C_TYPE_INT32 || type == PROTOBUF_C_TYPE_INT64 || type == PROTOBUF_C_TYPE_ENUM
        guard let integral = integralText(text) else {
            throw ProtoJSONError(field: path, problem: "expected an integer, got \(text.prefix(32))")
        }
        let outOfRange = ProtoJSONError(field: path, problem: "\(text.prefix(32)) is out of range")
        if signed {
            guard let value = Int64(integral) else { throw outOfRange }
            if type != PROTOBUF_C_TYPE_INT64, value < Int64(Int32.min) || value > Int64(Int32.max) { throw outOfRange }
            return .signed(value)
        }
        guard let value = UInt64(integral) else { throw outOfRange }
        if type == PROTOBUF_C_TYPE_UINT32, value > UInt64(UInt32.max) { throw outOfRange }
        return .unsigned(value)
    }

    /// `12`, `-3`, `1e3`, `2.0` → the integer's digits; `1.5`, `abc`, `` → nil.
    static func integralText(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        var sign = ""
        var rest = Substring(text)
        if rest.first == "-" {
            sign = "-"
            rest = rest.dropFirst()
        }
        var mantissa = rest
        var exponent = 0
        if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = rest[..<e]
            let exponentText = rest[rest.index(after: e)...]
            guard let parsed = Int(exponentText.first == "+" ? exponentText.dropFirst() : exponentText),
                abs(parsed) <= 30
            else { return nil }
            exponent = parsed
        }
        var whole = String(mantissa)
        var fraction = ""
        if let dot = mantissa.firstIndex(of: ".") {
            whole = String(mantissa[..<dot])
            fraction = String(mantissa[mantissa.index(after: dot)...])
        }
        guard !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        var digits = whole + fraction
        var scale = exponent - fraction.count
        while scale < 0 {
            guard digits.last == "0" else { return nil }
            digits.removeLast()
            scale += 1
        }
        digits += String(repeating: "0", count: scale)
        let trimmed = digits.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : sign + trimmed
    }

    private static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    // MARK: protobuf → JSON

    private static func decodeMessage(
        _ reader: inout ProtobufReader, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, path: String
    ) throws(ProtoJSONError) -> JSONValue {
        let fields = fields(of: descriptor)
        var values = [JSONValue?](repeating: nil, count: fields.count)
        var repeated = [[JSONValue]](repeating: [], count: fields.count)
        while !reader.isAtEnd {
            guard let (number, wireType) = reader.tag() else { throw malformed(path) }
            guard let position = fields.firstIndex(where: { $0.id == number }) else {
                guard reader.skip(wireType) else { throw malformed(path) }
                continue
            }
            let field = fields[position]
            let value = try decodeValue(&reader, field, wireType: wireType, path: path)
            if field.label == PROTOBUF_C_LABEL_REPEATED {
                repeated[position].append(value)
            } else {
                values[position] = value
            }
        }
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(fields.count)
        for (position, field) in fields.enumerated() {
            let name = jsonName(String(cString: field.name))
            if field.label == PROTOBUF_C_LABEL_REPEATED {
                members.append((name, .array(repeated[position])))
            } else {
                members.append((name, values[position] ?? zeroValue(field)))
            }
        }
        return .object(members)
    }

    private static func decodeValue(
        _ reader: inout ProtobufReader, _ field: ProtobufCFieldDescriptor, wireType: UInt8, path: String
    ) throws(ProtoJSONError) -> JSONValue {
        switch field.type {
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES, PROTOBUF_C_TYPE_MESSAGE:
            guard wireType == 2, let bytes = reader.lengthDelimited() else { throw malformed(path) }
            if field.type == PROTOBUF_C_TYPE_STRING {
                guard let text = String(validating: bytes, as: UTF8.self) else { throw malformed(path) }
                return .string(text)
            }
            if field.type == PROTOBUF_C_TYPE_BYTES { return .string(Base64.encode(Array(bytes))) }
            var inner = ProtobufReader(buffer: UnsafeBufferPointer(rebasing: bytes))
            return try decodeMessage(&inner, nested(field), path: path)
        case PROTOBUF_C_TYPE_BOOL:
            guard wireType == 0, let raw = reader.varint() else { throw malformed(path) }
            return .bool(raw != 0)
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_ENUM:
            guard wireType == 0, let raw = reader.varint() else { throw malformed(path) }
            return .number(String(Int32(truncatingIfNeeded: raw)))
        case PROTOBUF_C_TYPE_INT64:
            guard wireType == 0, let raw = reader.varint() else { throw malformed(path) }
            return .number(String(Int64(bitPattern: raw)))
        case PROTOBUF_C_TYPE_UINT32:
            guard wireType == 0, let raw = reader.varint() else { throw malformed(path) }
            return .number(String(UInt32(truncatingIfNeeded: raw)))
        case PROTOBUF_C_TYPE_UINT64:
            guard wireType == 0, let raw = reader.varint() else { throw malformed(path) }
            return .number(String(raw))
        default:
            throw ProtoJSONError(field: path, problem: "this field's type is not transcoded")
        }
    }

    static func zeroValue(_ field: ProtobufCFieldDescriptor) -> JSONValue {
        switch field.type {
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES: return .string("")
        case PROTOBUF_C_TYPE_BOOL: return .bool(false)
        case PROTOBUF_C_TYPE_MESSAGE: return .null
        default: return .number("0")
        }
    }

    private static func malformed(_ path: String) -> ProtoJSONError {
        ProtoJSONError(field: path, problem: "the protobuf encoding is malformed")
    }
}

enum WireInteger {
    case signed(Int64)
    case unsigned(UInt64)

    var isZero: Bool {
        switch self {
        case .signed(let value): return value == 0
        case .unsigned(let value): return value == 0
        }
    }

    /// The varint's 64 bits: negative int32 and int64 are sign-extended to ten bytes, as protobuf says.
    var wireBits: UInt64 {
        switch self {
        case .signed(let value): return UInt64(bitPattern: value)
        case .unsigned(let value): return value
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// A generated descriptor's address, which never changes or is freed: safe to share.
public struct UnsafeDescriptor: @unchecked Sendable {
    public let pointer: UnsafePointer<ProtobufCMessageDescriptor>
    public init(pointer: UnsafePointer<ProtobufCMessageDescriptor>) { self.pointer = pointer }
}
