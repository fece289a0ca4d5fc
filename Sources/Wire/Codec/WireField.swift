import CareerAIProtoC

/// The shapes of field the codec knows; each one is a C type and label that protobuf-c generates.
public enum WireFieldKind: String, Sendable, CustomStringConvertible {
    case int32, int64, uint32, uint64, bool, enumeration, string, bytes, message
    case repeatedString, repeatedMessage, stringMap

    public var description: String { rawValue }

    func matches(_ c: ProtobufCFieldDescriptor) -> Bool {
        let single = c.label == PROTOBUF_C_LABEL_NONE || c.label == PROTOBUF_C_LABEL_OPTIONAL
        let repeated = c.label == PROTOBUF_C_LABEL_REPEATED
        switch self {
        case .int32: return single && c.type == PROTOBUF_C_TYPE_INT32
        case .int64: return single && c.type == PROTOBUF_C_TYPE_INT64
        case .uint32: return single && c.type == PROTOBUF_C_TYPE_UINT32
        case .uint64: return single && c.type == PROTOBUF_C_TYPE_UINT64
        case .bool: return single && c.type == PROTOBUF_C_TYPE_BOOL
        case .enumeration: return single && c.type == PROTOBUF_C_TYPE_ENUM
        case .string: return single && c.type == PROTOBUF_C_TYPE_STRING
        case .bytes: return single && c.type == PROTOBUF_C_TYPE_BYTES
        case .message: return single && c.type == PROTOBUF_C_TYPE_MESSAGE
        case .repeatedString: return repeated && c.type == PROTOBUF_C_TYPE_STRING
        case .repeatedMessage: return repeated && c.type == PROTOBUF_C_TYPE_MESSAGE
        case .stringMap:
            guard repeated, c.type == PROTOBUF_C_TYPE_MESSAGE,
                let entry = c.descriptor?.assumingMemoryBound(to: ProtobufCMessageDescriptor.self),
                let key = protobuf_c_message_descriptor_get_field(entry, 1),
                let value = protobuf_c_message_descriptor_get_field(entry, 2)
            else { return false }
            return key.pointee.type == PROTOBUF_C_TYPE_STRING && value.pointee.type == PROTOBUF_C_TYPE_STRING
        }
    }
}

/// A proto enum as Swift sees it: open (unknown numbers survive a round trip), as proto3 requires.
public protocol WireEnum: Sendable, Hashable {
    init(wireValue: Int32)
    var wireValue: Int32 { get }
}

/// One field of a `WireMessage`: its number and name in the `.proto`, and how to move it between the
/// Swift value and the C struct.
public struct WireField<Message: WireMessage> {
    public let number: UInt32
    public let name: String
    public let kind: WireFieldKind
    let nestedDescriptor: UnsafePointer<ProtobufCMessageDescriptor>?
    let encode: WireFieldEncoder
    let decode: WireFieldDecoder
    let randomize: (inout Message, inout WireRandom, Int) -> Void
}

/// Reads the field from the Swift value at the first pointer into the C struct at the second.
/// Raw pointers keep the schema's loop free of generic types, which would cost a runtime metadata
/// lookup per field per message; each closure is still created, and specialised, for one concrete type.
typealias WireFieldEncoder = (UnsafeRawPointer, UnsafeMutableRawPointer, WireFieldLayout, WireArena) throws(WireError)
    -> Void
/// Reads the field from the C struct at the second pointer into the Swift value at the first.
typealias WireFieldDecoder = (UnsafeMutableRawPointer, UnsafeRawPointer, WireFieldLayout) throws(WireError) -> Void

extension WireField {
    private static func scalar<Value: FixedWidthInteger>(
        _ number: UInt32, _ name: String, _ kind: WireFieldKind, _ path: WritableKeyPath<Message, Value>
    ) -> WireField {
        WireField(
            number: number, name: name, kind: kind, nestedDescriptor: nil,
            encode: { swiftValue, base, layout, _ in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                base.storeBytes(of: message.pointee[keyPath: path], toByteOffset: layout.offset, as: Value.self)
            },
            decode: { swiftValue, base, layout in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                message.pointee[keyPath: path] = base.load(fromByteOffset: layout.offset, as: Value.self)
            },
            randomize: { message, random, _ in message[keyPath: path] = random.integer() }
        )
    }

    public static func int32(_ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, Int32>) -> WireField {
        scalar(number, name, .int32, path)
    }

    public static func int64(_ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, Int64>) -> WireField {
        scalar(number, name, .int64, path)
    }

    public static func uint32(_ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, UInt32>) -> WireField {
        scalar(number, name, .uint32, path)
    }

    public static func uint64(_ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, UInt64>) -> WireField {
        scalar(number, name, .uint64, path)
    }

    public static func bool(_ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, Bool>) -> WireField {
        WireField(
            number: number, name: name, kind: .bool, nestedDescriptor: nil,
            encode: { swiftValue, base, layout, _ in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                // protobuf_c_boolean is a C int.
                base.storeBytes(
                    of: message.pointee[keyPath: path] ? 1 : 0, toByteOffset: layout.offset, as: protobuf_c_boolean.self
                )
            },
            decode: { swiftValue, base, layout in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                message.pointee[keyPath: path] =
                    base.load(fromByteOffset: layout.offset, as: protobuf_c_boolean.self) != 0
            },
            randomize: { message, random, _ in message[keyPath: path] = random.integer(upTo: 2) == 1 }
        )
    }

    public static func enumeration<E: WireEnum>(_ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, E>)
        -> WireField
    {
        WireField(
            number: number, name: name, kind: .enumeration, nestedDescriptor: nil,
            encode: { swiftValue, base, layout, _ in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                base.storeBytes(
                    of: message.pointee[keyPath: path].wireValue, toByteOffset: layout.offset, as: Int32.self)
            },
            decode: { swiftValue, base, layout in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                message.pointee[keyPath: path] = E(wireValue: base.load(fromByteOffset: layout.offset, as: Int32.self))
            },
            randomize: { message, random, _ in message[keyPath: path] = E(wireValue: Int32(random.integer(upTo: 12))) }
        )
    }

    public static func string(_ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, String>) -> WireField {
        WireField(
            number: number, name: name, kind: .string, nestedDescriptor: nil,
            encode: { swiftValue, base, layout, arena throws(WireError) in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                let value = message.pointee[keyPath: path]
                guard !value.isEmpty else { return }  // message_init left protobuf-c's empty string there
                guard !value.utf8.contains(0) else {
                    throw .stringContainsNUL(message: Message.wireSchema.protoName, field: name)
                }
                base.storeBytes(
                    of: arena.cString(value), toByteOffset: layout.offset, as: UnsafeMutablePointer<CChar>.self)
            },
            decode: { swiftValue, base, layout throws(WireError) in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                message.pointee[keyPath: path] = try readString(base, layout.offset, field: name)
            },
            randomize: { message, random, _ in message[keyPath: path] = random.string() }
        )
    }

    public static func bytes(_ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, [UInt8]>) -> WireField {
        WireField(
            number: number, name: name, kind: .bytes, nestedDescriptor: nil,
            encode: { swiftValue, base, layout, arena in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                let value = message.pointee[keyPath: path]
                guard !value.isEmpty else { return }
                base.storeBytes(of: arena.bytes(value), toByteOffset: layout.offset, as: ProtobufCBinaryData.self)
            },
            decode: { swiftValue, base, layout in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                let data = base.load(fromByteOffset: layout.offset, as: ProtobufCBinaryData.self)
                message.pointee[keyPath: path] =
                    data.len == 0 || data.data == nil
                    ? [] : [UInt8](UnsafeBufferPointer(start: data.data, count: data.len))
            },
            randomize: { message, random, _ in message[keyPath: path] = random.bytes() }
        )
    }

    /// A nested message; `nil` is "not set" (a NULL pointer in C).
    public static func message<Nested: WireMessage>(
        _ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, Nested?>
    ) -> WireField {
        WireField(
            number: number, name: name, kind: .message, nestedDescriptor: Nested.wireSchema.descriptor,
            encode: { swiftValue, base, layout, arena throws(WireError) in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                guard let value = message.pointee[keyPath: path] else { return }
                let nested = try Nested.wireSchema.fill(
                    arena.message(Nested.wireSchema.descriptor), from: value, in: arena)
                base.storeBytes(of: nested, toByteOffset: layout.offset, as: UnsafeMutableRawPointer.self)
            },
            decode: { swiftValue, base, layout throws(WireError) in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                guard let nested = base.load(fromByteOffset: layout.offset, as: UnsafeRawPointer?.self) else { return }
                message.pointee[keyPath: path] = try Nested.wireSchema.read(nested)
            },
            randomize: { message, random, depth in
                guard depth < 3, random.integer(upTo: 4) != 0 else { return }
                message[keyPath: path] = Nested.wireSchema.arbitrary(using: &random, depth: depth + 1)
            }
        )
    }

    public static func repeatedString(_ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, [String]>)
        -> WireField
    {
        WireField(
            number: number, name: name, kind: .repeatedString, nestedDescriptor: nil,
            encode: { swiftValue, base, layout, arena throws(WireError) in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                let values = message.pointee[keyPath: path]
                guard !values.isEmpty else { return }
                let array = arena.pointerArray(count: values.count)
                for (index, value) in values.enumerated() {
                    guard !value.utf8.contains(0) else {
                        throw .stringContainsNUL(message: Message.wireSchema.protoName, field: name)
                    }
                    array[index] = UnsafeMutableRawPointer(arena.cString(value))
                }
                base.storeBytes(of: values.count, toByteOffset: layout.quantifierOffset, as: Int.self)
                base.storeBytes(
                    of: array, toByteOffset: layout.offset, as: UnsafeMutablePointer<UnsafeMutableRawPointer?>.self)
            },
            decode: { swiftValue, base, layout throws(WireError) in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                let count = base.load(fromByteOffset: layout.quantifierOffset, as: Int.self)
                guard count > 0,
                    let array = base.load(fromByteOffset: layout.offset, as: UnsafePointer<UnsafeRawPointer?>?.self)
                else { return }
                var values: [String] = []
                values.reserveCapacity(count)
                for index in 0..<count {
                    guard let cString = array[index] else {
                        values.append("")
                        continue
                    }
                    guard let value = String(validatingCString: cString.assumingMemoryBound(to: CChar.self)) else {
                        throw .invalidUTF8(message: Message.wireSchema.protoName, field: name)
                    }
                    values.append(value)
                }
                message.pointee[keyPath: path] = values
            },
            randomize: { message, random, _ in
                message[keyPath: path] = (0..<random.integer(upTo: 4)).map { _ in random.string() }
            }
        )
    }

    public static func repeatedMessage<Nested: WireMessage>(
        _ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, [Nested]>
    ) -> WireField {
        WireField(
            number: number, name: name, kind: .repeatedMessage, nestedDescriptor: Nested.wireSchema.descriptor,
            encode: { swiftValue, base, layout, arena throws(WireError) in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                let values = message.pointee[keyPath: path]
                guard !values.isEmpty else { return }
                let array = arena.pointerArray(count: values.count)
                for (index, value) in values.enumerated() {
                    array[index] = try Nested.wireSchema.fill(
                        arena.message(Nested.wireSchema.descriptor), from: value, in: arena)
                }
                base.storeBytes(of: values.count, toByteOffset: layout.quantifierOffset, as: Int.self)
                base.storeBytes(
                    of: array, toByteOffset: layout.offset, as: UnsafeMutablePointer<UnsafeMutableRawPointer?>.self)
            },
            decode: { swiftValue, base, layout throws(WireError) in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                let count = base.load(fromByteOffset: layout.quantifierOffset, as: Int.self)
                guard count > 0,
                    let array = base.load(fromByteOffset: layout.offset, as: UnsafePointer<UnsafeRawPointer?>?.self)
                else { return }
                var values: [Nested] = []
                values.reserveCapacity(count)
                for index in 0..<count {
                    guard let element = array[index] else { throw .malformed(message: Message.wireSchema.protoName) }
                    values.append(try Nested.wireSchema.read(element))
                }
                message.pointee[keyPath: path] = values
            },
            randomize: { message, random, depth in
                guard depth < 3 else { return }
                message[keyPath: path] = (0..<random.integer(upTo: 3)).map { _ in
                    Nested.wireSchema.arbitrary(using: &random, depth: depth + 1)
                }
            }
        )
    }

    /// `map<string, string>`: in C a repeated entry message with `key = 1` and `value = 2`.
    /// Entries are written in key order so that equal maps encode to equal bytes.
    public static func stringMap(_ number: UInt32, _ name: String, _ path: WritableKeyPath<Message, [String: String]>)
        -> WireField
    {
        WireField(
            number: number, name: name, kind: .stringMap, nestedDescriptor: nil,
            encode: { swiftValue, base, layout, arena throws(WireError) in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                let map = message.pointee[keyPath: path]
                guard !map.isEmpty, let entry = layout.nestedDescriptor,
                    let keyField = protobuf_c_message_descriptor_get_field(entry, 1),
                    let valueField = protobuf_c_message_descriptor_get_field(entry, 2)
                else { return }
                let array = arena.pointerArray(count: map.count)
                for (index, key) in map.keys.sorted().enumerated() {
                    let value = map[key]!
                    guard !key.utf8.contains(0), !value.utf8.contains(0) else {
                        throw .stringContainsNUL(message: Message.wireSchema.protoName, field: name)
                    }
                    let cEntry = arena.message(entry)
                    cEntry.storeBytes(
                        of: arena.cString(key), toByteOffset: Int(keyField.pointee.offset),
                        as: UnsafeMutablePointer<CChar>.self)
                    cEntry.storeBytes(
                        of: arena.cString(value), toByteOffset: Int(valueField.pointee.offset),
                        as: UnsafeMutablePointer<CChar>.self)
                    array[index] = cEntry
                }
                base.storeBytes(of: map.count, toByteOffset: layout.quantifierOffset, as: Int.self)
                base.storeBytes(
                    of: array, toByteOffset: layout.offset, as: UnsafeMutablePointer<UnsafeMutableRawPointer?>.self)
            },
            decode: { swiftValue, base, layout throws(WireError) in
                let message = swiftValue.assumingMemoryBound(to: Message.self)
                let count = base.load(fromByteOffset: layout.quantifierOffset, as: Int.self)
                guard count > 0, let entry = layout.nestedDescriptor,
                    let keyField = protobuf_c_message_descriptor_get_field(entry, 1),
                    let valueField = protobuf_c_message_descriptor_get_field(entry, 2),
                    let array = base.load(fromByteOffset: layout.offset, as: UnsafePointer<UnsafeRawPointer?>?.self)
                else { return }
                var map: [String: String] = [:]
                // Entries on the wire may repeat a key: reserve for what a map of distinct keys would
                // plausibly hold, not for the count a peer chose.
                map.reserveCapacity(min(count, 256))
                for index in 0..<count {
                    guard let cEntry = array[index] else { throw .malformed(message: Message.wireSchema.protoName) }
                    let key = try readString(cEntry, Int(keyField.pointee.offset), field: name)
                    map[key] = try readString(cEntry, Int(valueField.pointee.offset), field: name)
                }
                message.pointee[keyPath: path] = map
            },
            randomize: { message, random, _ in
                var map: [String: String] = [:]
                for _ in 0..<random.integer(upTo: 4) { map[random.string()] = random.string() }
                message[keyPath: path] = map
            }
        )
    }

    private static func readString(_ base: UnsafeRawPointer, _ offset: Int, field: String) throws(WireError) -> String {
        guard let cString = base.load(fromByteOffset: offset, as: UnsafePointer<CChar>?.self) else { return "" }
        guard let value = String(validatingCString: cString) else {
            throw .invalidUTF8(message: Message.wireSchema.protoName, field: field)
        }
        return value
    }
}
