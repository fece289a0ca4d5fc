import CareerAIProtoC

/// A Swift message type's fields, bound to the protobuf-c descriptor generated from the same `.proto`.
///
/// Fields are matched to the C descriptor by number once, when the schema is built; every encode and
/// decode then goes straight to the C struct's offsets.
public final class WireSchema<Message: WireMessage>: @unchecked Sendable {
    // @unchecked: immutable after init; key paths and C descriptor pointers are never mutated.
    public let descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    public let fields: [WireField<Message>]
    private let layouts: [WireFieldLayout?]
    /// The encode/decode loop over fields, free of generic types (see WireFieldEncoder).
    private let core: WireSchemaCore

    /// - Parameter initializer: the generated `…__init` function of the message's C struct. It stores
    ///   the real address of the generated descriptor in the struct, which is how we learn it: Swift's
    ///   `withUnsafePointer(to:)` on an imported C constant may point at a temporary copy instead.
    public init<CMessage>(_ initializer: (UnsafeMutablePointer<CMessage>?) -> Void, _ fields: [WireField<Message>]) {
        let scratch = UnsafeMutablePointer<CMessage>.allocate(capacity: 1)
        defer { scratch.deallocate() }
        initializer(scratch)
        let descriptor = UnsafeRawPointer(scratch).load(as: ProtobufCMessage.self).descriptor!
        precondition(
            descriptor.pointee.magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "not a protobuf-c message initializer")
        self.descriptor = descriptor
        self.fields = fields
        let layouts = fields.map { WireFieldLayout(number: $0.number, in: descriptor) }
        self.layouts = layouts
        self.core = WireSchemaCore(
            protoName: String(cString: descriptor.pointee.name),
            fields: zip(fields, layouts).map { field, layout in
                WireSchemaCore.Field(number: field.number, layout: layout, encode: field.encode, decode: field.decode)
            })
    }

    /// The proto's full name, e.g. `careerai.rpc.v1.Frame`.
    public var protoName: String { String(cString: descriptor.pointee.name) }

    /// Every disagreement between the Swift fields and the C descriptor: missing or extra fields,
    /// other names, other types or labels. Empty when the two describe the same message.
    public func mismatches() -> [String] {
        var problems: [String] = []
        let cFields = UnsafeBufferPointer(start: descriptor.pointee.fields, count: Int(descriptor.pointee.n_fields))
        for (field, layout) in zip(fields, layouts) {
            guard let layout else {
                problems.append(
                    "\(protoName): Swift declares field \(field.number) (\(field.name)) that the descriptor lacks")
                continue
            }
            let cName = String(cString: layout.field.pointee.name)
            if cName != field.name {
                problems.append("\(protoName): field \(field.number) is '\(cName)' in C, '\(field.name)' in Swift")
            }
            if !field.kind.matches(layout.field.pointee) {
                problems.append(
                    "\(protoName).\(field.name): C type \(layout.field.pointee.type.rawValue) label \(layout.field.pointee.label.rawValue) does not match Swift kind \(field.kind)"
                )
            }
            if let nested = field.nestedDescriptor,
                nested != layout.field.pointee.descriptor?.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
            {
                problems.append("\(protoName).\(field.name): nested message type differs from the descriptor's")
            }
        }
        let swiftNumbers = Set(fields.map(\.number))
        for cField in cFields where !swiftNumbers.contains(cField.id) {
            problems.append(
                "\(protoName): descriptor field \(cField.id) (\(String(cString: cField.name))) has no Swift field")
        }
        if swiftNumbers.count != fields.count {
            problems.append("\(protoName): a field number is declared twice in Swift")
        }
        return problems
    }

    func makeCMessage(from message: Message, in arena: WireArena) throws(WireError) -> UnsafePointer<ProtobufCMessage> {
        UnsafePointer(
            try fill(arena.message(descriptor), from: message, in: arena)
                .assumingMemoryBound(to: ProtobufCMessage.self))
    }

    /// Writes `message` into the zeroed, initialised C message at `base`.
    func fill(_ base: UnsafeMutableRawPointer, from message: Message, in arena: WireArena) throws(WireError)
        -> UnsafeMutableRawPointer
    {
        try withUnsafePointer(to: message) { (swiftValue) throws(WireError) in
            try core.fill(base, from: UnsafeRawPointer(swiftValue), in: arena)
        }
        return base
    }

    func decode(_ bytes: UnsafeRawBufferPointer, allocator: UnsafeMutablePointer<ProtobufCAllocator>?) throws(WireError)
        -> Message
    {
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        // protobuf-c reads nothing through a NULL pointer when the length is 0; give it a valid one anyway.
        var empty: UInt8 = 0
        guard
            let cMessage = withUnsafePointer(
                to: &empty,
                { emptyPointer in
                    protobuf_c_message_unpack(descriptor, allocator, bytes.count, data ?? emptyPointer)
                })
        else {
            throw WireError.malformed(message: protoName)
        }
        defer { protobuf_c_message_free_unpacked(cMessage, allocator) }
        return try read(UnsafeRawPointer(cMessage))
    }

    /// Reads a Swift value out of the unpacked C message at `base`.
    func read(_ base: UnsafeRawPointer) throws(WireError) -> Message {
        var message = Message()
        try withUnsafeMutablePointer(to: &message) { (swiftValue) throws(WireError) in
            try core.read(into: UnsafeMutableRawPointer(swiftValue), from: base)
        }
        return message
    }

    /// A message with every field set to an arbitrary value: the input of the round-trip tests.
    public func arbitrary(using generator: inout WireRandom, depth: Int = 0) -> Message {
        var message = Message()
        for field in fields { field.randomize(&message, &generator, depth) }
        return message
    }
}

/// The per-message loop of encoding and decoding, over type-erased fields.
final class WireSchemaCore: @unchecked Sendable {
    // @unchecked: immutable after init.
    struct Field {
        let number: UInt32
        let layout: WireFieldLayout?
        let encode: WireFieldEncoder
        let decode: WireFieldDecoder
    }

    let protoName: String
    private let fields: [Field]

    init(protoName: String, fields: [Field]) {
        self.protoName = protoName
        self.fields = fields
    }

    func fill(_ base: UnsafeMutableRawPointer, from swiftValue: UnsafeRawPointer, in arena: WireArena) throws(WireError)
    {
        for index in fields.indices {
            let field = fields[index]
            guard let layout = field.layout else {
                preconditionFailure(
                    "\(protoName): field \(field.number) missing from the C descriptor (see mismatches())")
            }
            try field.encode(swiftValue, base, layout, arena)
        }
    }

    func read(into swiftValue: UnsafeMutableRawPointer, from base: UnsafeRawPointer) throws(WireError) {
        for index in fields.indices {
            let field = fields[index]
            guard let layout = field.layout else {
                preconditionFailure(
                    "\(protoName): field \(field.number) missing from the C descriptor (see mismatches())")
            }
            try field.decode(swiftValue, base, layout)
        }
    }
}

/// Where one field lives in the C struct.
struct WireFieldLayout {
    let field: UnsafePointer<ProtobufCFieldDescriptor>
    var offset: Int { Int(field.pointee.offset) }
    var quantifierOffset: Int { Int(field.pointee.quantifier_offset) }
    var nestedDescriptor: UnsafePointer<ProtobufCMessageDescriptor>? {
        field.pointee.descriptor?.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
    }

    init?(number: UInt32, in descriptor: UnsafePointer<ProtobufCMessageDescriptor>) {
        guard let found = protobuf_c_message_descriptor_get_field(descriptor, number) else { return nil }
        field = found
    }
}
