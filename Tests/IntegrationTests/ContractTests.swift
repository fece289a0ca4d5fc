import Contract
import Foundation
import RPCCore
import ServerApp
import TestSupport
import Testing

/// What protoc itself says the services of `Proto/` are (scripts/generate-proto.sh --describe reads
/// protoc's descriptor set), so that this test does not trust the generated code it checks.
private struct DescribedServices: Decodable {
    struct Service: Decodable {
        let name: String
        let methods: [Method]
    }

    struct Method: Decodable, Hashable {
        let path: String
        let input: String
        let output: String
        let server_streaming: Bool
        let client_streaming: Bool
    }

    let services: [Service]

    static func load() async throws -> DescribedServices {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = try await Executables.run(
            executable: URL(fileURLWithPath: "/bin/bash"),
            [root.appendingPathComponent("scripts/generate-proto.sh").path, "--describe"])
        guard result.status == 0 else {
            throw TestFailure("generate-proto.sh --describe failed: \(result.stderr)")
        }
        return try JSONDecoder().decode(DescribedServices.self, from: Data(result.stdout.utf8))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

@Suite("One contract: Proto/ ↔ descriptors ↔ the server's routes")
struct ContractTests {
    private static func shape(_ method: DescribedServices.Method) -> String {
        "\(method.path) \(method.input) → \(method.output) \(method.server_streaming ? "serverStreaming" : "unary")"
    }

    private static func shape(_ descriptor: AnyMethodDescriptor) -> String {
        "\(descriptor.path) \(descriptor.requestProtoName) → \(descriptor.responseProtoName) \(descriptor.kind)"
    }

    @Test("every rpc of Proto/ is routed by careerai-server, and every routed method is declared in Proto/, alike")
    func routesMatchProto() async throws {
        let described = try await DescribedServices.load()
        let protoMethods = described.services.flatMap(\.methods)
        #expect(protoMethods.count >= 21, "protoc described only \(protoMethods.count) methods")
        #expect(protoMethods.allSatisfy { !$0.client_streaming })

        guard let test = try await TestDatabase.make(.sqlite) else { return }
        let server = try await RuntimeUnderTest.start(databaseURL: test.url)
        let routed = server.runtime.server.methods
        await server.runtime.shutdown()
        await test.close()

        let fromProto = Set(protoMethods.map(Self.shape))
        let fromRoutes = Set(routed.map(Self.shape))
        #expect(
            fromProto.subtracting(fromRoutes).sorted() == [],
            "declared in Proto/ but not routed (or routed differently)")
        #expect(
            fromRoutes.subtracting(fromProto).sorted() == [],
            "routed but not declared in Proto/ (or declared differently)")
        #expect(routed.count == Set(routed.map(\.path)).count)
    }

    @Test("the generated descriptors are exactly Proto/'s methods, each access level declared")
    func descriptorsMatchProto() async throws {
        let described = try await DescribedServices.load()
        let fromProto = Set(described.services.flatMap(\.methods).map(Self.shape))
        let fromContract = Set(ContractRegistry.allMethods.map(Self.shape))
        #expect(fromProto == fromContract)
        // Spot checks that the access levels of Proto/'s comments reached the descriptors.
        #expect(Methods.WalletService.topUp.access == .universityAdmin)
        #expect(Methods.RunService.startJobPack.access == .verified)
        #expect(Methods.UniversityService.createUniversity.access == .platformAdmin)
        #expect(Methods.HealthService.watch.kind == .serverStreaming && Methods.HealthService.watch.access == .public)
    }
}
