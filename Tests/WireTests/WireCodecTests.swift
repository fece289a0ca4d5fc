import CareerAIProtoC
import Contract
import Testing

@testable import Wire

/// The envelope's messages and the API's, all generated from Proto/.
private let allMessageTypes: [any WireMessage.Type] = WireRegistry.allMessageTypes + ContractRegistry.allMessageTypes

@Suite("Wire codec")
struct WireCodecTests {
    @Test("every Swift message agrees with its C descriptor", arguments: allMessageTypes.map { TypeBox($0) })
    func agreesWithDescriptor(_ box: TypeBox) {
        #expect(box.mismatches() == [], "\(box.name)")
    }

    @Test("every Swift message round-trips through protobuf-c", arguments: allMessageTypes.map { TypeBox($0) })
    func roundTrips(_ box: TypeBox) throws {
        let checked = try box.roundTrip(count: 300)
        #expect(checked == 300)
    }

    @Test(
        "every C allocation made while encoding and decoding is freed", arguments: allMessageTypes.map { TypeBox($0) })
    func freesEverything(_ box: TypeBox) throws {
        let counter = CountingAllocator()
        try box.encodeAndDecode(count: 100, allocator: counter.allocator)
        #expect(counter.total > 0, "the allocator was not used, so nothing was shown")
        #expect(counter.live == 0, "\(counter.live) C blocks leaked for \(box.name)")
    }

    @Test("a failed decode frees what it allocated")
    func failedDecodeFrees() throws {
        let counter = CountingAllocator()
        let frame = Frame(
            callID: 9, type: .request, method: "/careerai.v1.HealthService/Check",
            metadata: ["a": "b", "c": "d"], payload: [1, 2, 3],
            status: Status(code: 3, message: "bad", errorInfo: ErrorInfo(reason: "X", metadata: ["f": "g"])))
        let bytes = try frame.wireEncoded()
        for cut in 1..<bytes.count {
            _ = try? bytes[0..<cut].withUnsafeBytes { try Frame(wireBytes: $0, allocator: counter.allocator) }
        }
        #expect(counter.total > 0)
        #expect(counter.live == 0)
    }

    @Test("the bytes are standard protobuf")
    func standardBytes() throws {
        // call_id = 1 (field 1 varint), type = REQUEST (field 2 varint), method = "/a" (field 3, length 2).
        let frame = Frame(callID: 1, type: .request, method: "/a")
        #expect(try frame.wireEncoded() == [0x08, 0x01, 0x10, 0x01, 0x1A, 0x02, 0x2F, 0x61])
        // A map entry is a nested message {1: key, 2: value} under field 4.
        let withMetadata = Frame(callID: 0, type: .unspecified, metadata: ["k": "v"])
        #expect(try withMetadata.wireEncoded() == [0x22, 0x06, 0x0A, 0x01, 0x6B, 0x12, 0x01, 0x76])
        #expect(try Frame(wireBytes: [0x22, 0x06, 0x0A, 0x01, 0x6B, 0x12, 0x01, 0x76]).metadata == ["k": "v"])
    }

    @Test("unknown enum values and unknown fields survive decoding")
    func openEnumsAndUnknownFields() throws {
        // type = 42, then an unknown field 15 (varint 7).
        let frame = try Frame(wireBytes: [0x10, 0x2A, 0x78, 0x07])
        #expect(frame.type == FrameType(wireValue: 42))
    }

    @Test("truncated and garbage bytes throw instead of trapping")
    func malformedInput() throws {
        var random = WireRandom(seed: 7)
        let sample = Frame.wireSchema.arbitrary(using: &random)
        let bytes = try sample.wireEncoded()
        var failures = 0
        for cut in 0..<bytes.count {
            do { _ = try Frame(wireBytes: Array(bytes[0..<cut])) } catch { failures += 1 }
        }
        for _ in 0..<5_000 {
            let garbage = (0..<random.integer(upTo: 64)).map { _ in UInt8.random(in: 0...255, using: &random) }
            do { _ = try Frame(wireBytes: garbage) } catch { failures += 1 }
        }
        #expect(failures > 0)
        #expect(throws: WireError.malformed(message: "careerai.rpc.v1.Frame")) {
            try Frame(wireBytes: [0x1A, 0x05, 0x61])  // a length of 5 with one byte behind it
        }
    }

    @Test("a string that is not UTF-8 is refused with the field's name")
    func invalidUTF8() {
        #expect(throws: WireError.invalidUTF8(message: "careerai.rpc.v1.Frame", field: "method")) {
            try Frame(wireBytes: [0x1A, 0x02, 0xFF, 0xFE])
        }
    }

    @Test("a string with a NUL is refused rather than cut short")
    func nulInString() {
        let frame = Frame(callID: 1, type: .request, method: "/a\u{0}b")
        #expect(throws: WireError.stringContainsNUL(message: "careerai.rpc.v1.Frame", field: "method")) {
            try frame.wireEncoded()
        }
    }
}

/// Names a message type for parameterised tests.
struct TypeBox: CustomStringConvertible, Sendable {
    let type: any WireMessage.Type
    init(_ type: any WireMessage.Type) { self.type = type }

    var name: String { String(describing: type) }
    var description: String { name }

    func mismatches() -> [String] { type.wireSchemaMismatches() }
    func roundTrip(count: Int) throws -> Int { try type.roundTripArbitrary(count: count) }
    func encodeAndDecode(count: Int, allocator: UnsafeMutablePointer<ProtobufCAllocator>) throws {
        try type.encodeAndDecodeArbitrary(count: count, allocator: allocator)
    }
}

extension WireMessage {
    static func wireSchemaMismatches() -> [String] { wireSchema.mismatches() }

    static func roundTripArbitrary(count: Int) throws -> Int {
        var random = WireRandom(seed: 0xC0FFEE)
        var checked = 0
        for _ in 0..<count {
            let original = wireSchema.arbitrary(using: &random)
            let decoded = try Self(wireBytes: try original.wireEncoded())
            #expect(decoded == original)
            checked += 1
        }
        return checked
    }

    static func encodeAndDecodeArbitrary(count: Int, allocator: UnsafeMutablePointer<ProtobufCAllocator>) throws {
        var random = WireRandom(seed: 42)
        for _ in 0..<count {
            let original = wireSchema.arbitrary(using: &random)
            let bytes = try original.withWireEncoding(allocator: allocator) { encoding in
                [UInt8](unsafeUninitializedCapacity: encoding.byteCount) { buffer, written in
                    encoding.write(to: UnsafeMutableRawBufferPointer(buffer))
                    written = encoding.byteCount
                }
            }
            let decoded = try bytes.withUnsafeBytes { try Self(wireBytes: $0, allocator: allocator) }
            #expect(decoded == original)
        }
    }
}

/// A deliberately wrong Swift view of `careerai.rpc.v1.Status`, to show that the agreement check bites.
private struct MisdeclaredStatus: WireMessage {
    var code: Int64 = 0
    var text = ""
    var extra = ""

    static let wireSchema = WireSchema<MisdeclaredStatus>(
        careerai__rpc__v1__status__init,
        [
            .int64(1, "code", \.code),  // wrong type: int32 in the .proto
            .string(2, "text", \.text),  // wrong name: message
            .string(9, "extra", \.extra),  // no such field
            // field 3 (error_info) is missing
        ])
}

@Suite("Descriptor agreement check")
struct DescriptorAgreementCheckTests {
    @Test("a wrong type, a wrong name, an extra and a missing field are each reported")
    func reportsEveryMismatch() {
        let problems = MisdeclaredStatus.wireSchema.mismatches()
        #expect(problems.count == 4, "\(problems)")
        #expect(problems.contains { $0.contains("code") && $0.contains("does not match Swift kind int64") })
        #expect(problems.contains { $0.contains("'message' in C, 'text' in Swift") })
        #expect(problems.contains { $0.contains("field 9 (extra) that the descriptor lacks") })
        #expect(problems.contains { $0.contains("descriptor field 3 (error_info) has no Swift field") })
    }

    @Test("the field counter counts and removes one top-level field without decoding, and refuses what is not protobuf")
    func fieldCounter() throws {
        let frame = Frame(callID: 300, type: .request, method: "/x", metadata: ["a": "1", "b": "2"], payload: [9, 9])
        let bytes = try frame.wireEncoded() + Array(repeating: [0x22, 0x00], count: 1_000).flatMap { $0 }
        let count = bytes.withUnsafeBytes { WireFieldCounter.count(4, in: $0) }
        #expect(count == 1_002)
        let stripped = try #require(bytes.withUnsafeBytes { WireFieldCounter.removing(4, from: $0) })
        let decoded = try Frame(wireBytes: stripped)
        #expect(
            decoded.callID == 300 && decoded.method == "/x" && decoded.payload == [9, 9] && decoded.metadata.isEmpty)
        for bad: [UInt8] in [
            [0x0A], [0x0A, 0x05, 0x01], [0x0B], [0x80, 0x80], [0x00, 0x01], [0x22, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
        ] {
            #expect(bad.withUnsafeBytes { WireFieldCounter.count(4, in: $0) } == nil, "\(bad)")
        }
        #expect([UInt8]().withUnsafeBytes { WireFieldCounter.count(4, in: $0) } == 0)
    }
}
