import CareerAIProtoC
import Contract
import Testing
import Wire

@testable import JSONTranscoding

@Suite("JSON: a bounded parser, an escaping writer, base64, and protojson through protobuf-c descriptors")
struct JSONTranscodingTests {
    func parse(_ text: String, limits: JSONParser.Limits = .init()) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8), limits: limits)
    }

    @Test("numbers keep their text, so an int64 is never rounded through a Double")
    func numbersKeepTheirText() throws {
        #expect(try parse(#"{"a": 9007199254740993}"#)["a"] == .number("9007199254740993"))
        #expect(
            try parse("[-0.5e+3, 0, true, null]") == .array([.number("-0.5e+3"), .number("0"), .bool(true), .null]))
    }

    @Test(
        "refused: duplicate keys, trailing bytes, too deep, too long, too many members, bad UTF-8, bad escapes",
        arguments: [
            #"{"a": 1, "a": 2}"#, #"{"a": 1} x"#, "[1,]", "01", "1.", "-", #""\x""#, #""\ud800""#, "{'a': 1}",
            String(repeating: "[", count: 40) + String(repeating: "]", count: 40), "\"tab\there\"",
        ])
    func refusals(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(text) }
    }

    @Test("limits are the caller's: depth, string bytes, container elements")
    func limits() throws {
        let tight = JSONParser.Limits(maxDepth: 2, maxStringBytes: 4, maxContainerElements: 3)
        #expect(throws: JSONSyntaxError.self) { try parse("[[[1]]]", limits: tight) }
        #expect(throws: JSONSyntaxError.self) { try parse(#""abcde""#, limits: tight) }
        #expect(throws: JSONSyntaxError.self) { try parse("[1,2,3,4]", limits: tight) }
        #expect(
            try parse(#"[["abcd"], 2, 3]"#, limits: tight)
                == .array([.array([.string("abcd")]), .number("2"), .number("3")]))
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }  // not UTF-8
    }

    @Test("the writer escapes quotes, controls and HTML's <>&, and reads back the same")
    func writer() throws {
        let value = JSONValue.object([
            ("text", .string("a \"quote\" \\ <script>&\n\u{01}é")),
            ("list", .array([.number("1"), .null, .bool(false)])),
        ])
        let bytes = JSONWriter.encode(value)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("<") && !text.contains(">") && !text.contains("&") && text.contains(#"\u0001"#))
        #expect(try JSONParser.parse(bytes) == value)
    }

    @Test("base64: RFC 4648's vectors; decoding takes the URL-safe alphabet and missing padding, refuses the rest")
    func base64() {
        let vectors = [
            "": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
            "foobar": "Zm9vYmFy",
        ]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64.decode("Zm9v!") == nil && Base64.decode("Z") == nil)
    }

    @Test("integral text: exponents and zero fractions are integers, anything else is not")
    func integralText() {
        #expect(ProtoJSON.integralText("12") == "12" && ProtoJSON.integralText("-3") == "-3")
        #expect(ProtoJSON.integralText("1e3") == "1000" && ProtoJSON.integralText("2.0") == "2")
        #expect(ProtoJSON.integralText("1.5") == nil && ProtoJSON.integralText("abc") == nil)
        #expect(ProtoJSON.integralText("") == nil && ProtoJSON.integralText("1e99") == nil)
    }

    @Test("a request: lowerCamelCase or snake_case names, int64 as number or string; unknown members refused by path")
    func requestFromJSON() throws {
        let json = try parse(
            #"{"userId": "u-1", "currency": "silver", "amount": "9007199254740993", "reason": "prize"}"#)
        let bytes = try ProtoJSON.protobufBytes(from: json, descriptor: TopUpRequest.wireSchema.descriptor)
        let request = try TopUpRequest(wireBytes: bytes)
        #expect(request.userID == "u-1" && request.amount == 9_007_199_254_740_993 && request.reason == "prize")
        let snake = try ProtoJSON.protobufBytes(
            from: try parse(#"{"user_id": "u-2", "amount": 5}"#), descriptor: TopUpRequest.wireSchema.descriptor)
        #expect(try TopUpRequest(wireBytes: snake).userID == "u-2")

        func problem(_ text: String) throws -> ProtoJSONError? {
            let json = try parse(text)
            do {
                _ = try ProtoJSON.protobufBytes(from: json, descriptor: TopUpRequest.wireSchema.descriptor)
                return nil
            } catch { return error }
        }
        #expect(try problem(#"{"mail": "x"}"#)?.field == "mail")
        #expect(try problem(#"{"amount": 1.5}"#)?.field == "amount")
        #expect(try problem(#"{"amount": "lots"}"#)?.field == "amount")
        #expect(try problem(#"{"amount": 9223372036854775808}"#)?.field == "amount", "past int64")
        #expect(try problem(#"{"userId": 7}"#)?.field == "userId")
        #expect(try problem("[]") != nil, "a message is an object")
        let interests = try ProtoJSON.protobufBytes(
            from: try parse(#"{"interests": ["data", "design"], "skills": []}"#),
            descriptor: FindInternshipsRequest.wireSchema.descriptor)
        #expect(try FindInternshipsRequest(wireBytes: interests).interests == ["data", "design"])
    }

    @Test("an answer: every field present, zero values included, an unset message null, nested and repeated messages")
    func answerToJSON() throws {
        var run = RunMessage()
        run.id = "r-1"
        run.status = "queued"
        run.cost = RunCostMessage()
        run.cost?.currency = "silver"
        run.cost?.amount = 3
        var page = ListRunsResponse()
        page.runs = [run]
        let json = try ProtoJSON.json(
            fromProtobuf: try page.wireEncoded(), descriptor: ListRunsResponse.wireSchema.descriptor)
        #expect(json["nextPageToken"] == .string(""))
        guard case .array(let runs) = json["runs"], let first = runs.first else {
            Issue.record("runs is not an array: \(json)")
            return
        }
        #expect(first["id"] == .string("r-1") && first["createdAtUnix"] == .number("0"))
        #expect(first["cost"]?["amount"] == .number("3") && first["usage"] == .null)
        #expect(first["errorReason"] == .string("") && first["resultJson"] == .string(""))
    }
}
