import Client
import Contract
import Foundation
import NIOCore
import RPCCore
import TestSupport
import Testing
import Wire

/// careerai-server as its own process, tried as an attacker would, through raw sockets.
@Suite("Hostile clients against a real server process")
struct HostileClientTests {
    /// The server process's resident memory, from /proc.
    static func residentBytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    /// `count` unknown-method requests, each with its own increasing call id, as one buffer.
    static func requests(from firstID: UInt32, count: Int) throws -> [UInt8] {
        var buffer = ByteBuffer()
        for index in 0..<count {
            let frame = Frame(
                callID: firstID + UInt32(index), type: .request, method: "/careerai.v1.Nope/Nothing",
                payload: [])
            try FrameEncoder.write(frame, to: &buffer)
        }
        return Array(buffer.readableBytesView)
    }

    @Test(
        "a client that sends for 30 s and never reads leaves the server's memory flat, and others are served meanwhile")
    func clientThatNeverReads() async throws {
        let server = try await ServerProcess.start(environment: ["CAREERAI_LOG_LEVEL": "warning"])
        let pid = server.process.processIdentifier
        let socket = try RawSocket(port: server.port)
        socket.send(Array(Preface.current.bytes.readableBytesView))
        #expect(socket.read(count: 8)?.count == 8, "the server's preface")
        // Warm up, then measure from here.
        let client = CareerAIClient(configuration: try ClientConfiguration(target: server.target))
        _ = try await client.health.check()
        let before = try #require(Self.residentBytes(pid))

        var nextID: UInt32 = 1
        var sentBytes = 0
        var pending: ArraySlice<UInt8> = []
        var checks = 0
        let end = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < end {
            if pending.isEmpty {
                pending = try Self.requests(from: nextID, count: 1_000)[...]
                nextID += 1_000
            }
            guard let written = socket.sendWithoutWaiting(pending) else {
                Issue.record("the server closed the connection of a client that only sends valid requests")
                break
            }
            sentBytes += written
            pending = pending.dropFirst(written)
            if written == 0 {
                // The server stopped reading us; another client is still served.
                #expect(try await client.health.check().statusValue == .serving)
                checks += 1
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let after = try #require(Self.residentBytes(pid))
        #expect(checks > 0, "the sender was never held back (sent \(sentBytes) bytes)")
        #expect(
            after - before < 64 * 1024 * 1024,
            "RSS grew from \(before / 1_048_576) MiB to \(after / 1_048_576) MiB after \(sentBytes / 1_048_576) MiB sent"
        )
        socket.close()
        await client.close()
        await server.stop()
    }
}
