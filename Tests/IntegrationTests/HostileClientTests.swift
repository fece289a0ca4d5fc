import Client
import Contract
import Foundation
import NIOCore
import RPCCore
import RPCServer
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
        #expect(await socket.readAwaiting(count: 8)?.count == 8, "the server's preface")
        // Warm up, then measure from here.
        let client = CareerAIClient(configuration: try ClientConfiguration(target: server.target))
        _ = try await client.health.check()
        let before = try #require(Self.residentBytes(pid))

        // Frames encoded ahead, in large batches: on a loaded machine, encoding in the loop made the
        // sender slower than the server, which then never had to hold it back.
        let batch = 100_000
        var nextID: UInt32 = 1
        var sentBytes = 0
        var pending = try Self.requests(from: nextID, count: batch)[...]
        nextID += UInt32(batch)
        var checks = 0
        let end = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < end {
            if pending.isEmpty {
                pending = try Self.requests(from: nextID, count: batch)[...]
                nextID += UInt32(batch)
            }
            guard let written = socket.sendWithoutWaiting(pending) else {
                Issue.record("the server closed the connection of a client that only sends valid requests")
                break
            }
            sentBytes += written
            pending = pending.dropFirst(written)
            await Task.yield()  // a tight loop must not hold a thread of the cooperative pool
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

    /// Completes the preface on a new raw connection; false when the server closed it instead.
    static func handshake(port: Int, source: String) async throws -> (RawSocket, Bool) {
        let socket = try RawSocket(port: port, source: source)
        socket.send(Array(Preface.current.bytes.readableBytesView))
        return (socket, await socket.readAwaiting(count: 8, timeoutMs: 5_000)?.count == 8)
    }

    @Test("one address opening 65 connections gets the 65th refused, while another address connects")
    func connectionsPerAddress() async throws {
        let server = try await InProcessServer.start()
        var open: [RawSocket] = []
        for n in 1...64 {
            let (socket, accepted) = try await Self.handshake(port: server.port, source: "127.0.0.1")
            #expect(accepted, "connection \(n) of 64 refused")
            open.append(socket)
        }
        let (extra, extraAccepted) = try await Self.handshake(port: server.port, source: "127.0.0.1")
        #expect(!extraAccepted, "the 65th connection from one address was accepted")
        let (other, otherAccepted) = try await Self.handshake(port: server.port, source: "127.0.0.2")
        #expect(otherAccepted, "another address was refused")
        // A slot freed is a slot to take again.
        open.removeLast().close()
        #expect(await eventually { server.server.openConnections == 64 })
        let (again, againAccepted) = try await Self.handshake(port: server.port, source: "127.0.0.1")
        #expect(againAccepted)
        for socket in open + [extra, other, again] { socket.close() }
    }

    @Test("exempt addresses (the REST adapters) are not held to the per-address limit")
    func exemptAddress() async throws {
        var limits = RPCServerLimits()
        limits.maxConnectionsPerAddress = 2
        let server = try await InProcessServer.start(limits: limits, exemptAddresses: ["127.0.0.3"])
        var direct: [(RawSocket, Bool)] = []
        for _ in 0..<3 { direct.append(try await Self.handshake(port: server.port, source: "127.0.0.4")) }
        #expect(direct.map(\.1) == [true, true, false])
        var proxied: [(RawSocket, Bool)] = []
        for _ in 0..<5 { proxied.append(try await Self.handshake(port: server.port, source: "127.0.0.3")) }
        #expect(proxied.map(\.1) == [true, true, true, true, true])
        for (socket, _) in direct + proxied { socket.close() }
    }

    @Test("a preface that trickles in byte by byte cannot hold the connection past the handshake timeout")
    func tricklingPreface() async throws {
        var limits = RPCServerLimits()
        limits.handshakeTimeout = .milliseconds(600)
        let server = try await InProcessServer.start(limits: limits)
        let socket = try RawSocket(port: server.port)
        let started = ContinuousClock.now
        var closedEarly = false
        for byte in Array(Preface.current.bytes.readableBytesView) {
            guard socket.send([byte]) else {
                closedEarly = true
                break
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        // The whole preface went out (or the server hung up first), taking four times the timeout:
        // had each byte extended the wait, the server would answer it now. It never does.
        #expect(closedEarly || ContinuousClock.now - started >= .milliseconds(1_800))
        #expect(await socket.readAwaiting(count: 8, timeoutMs: 3_000) == nil)
        #expect(await eventually { server.server.openConnections == 0 })
        socket.close()
    }

    @Test(
        "frames of a million empty metadata entries are refused METADATA_TOO_LARGE, and the server's memory stays flat")
    func millionMetadataEntries() async throws {
        let server = try await ServerProcess.start(environment: ["CAREERAI_LOG_LEVEL": "warning"])
        let pid = server.process.processIdentifier
        let socket = try RawSocket(port: server.port)
        socket.send(Array(Preface.current.bytes.readableBytesView))
        #expect(await socket.readAwaiting(count: 8)?.count == 8)
        let before = try #require(Self.residentBytes(pid))
        let entries = Array(repeating: [UInt8]([0x22, 0x00]), count: 1_000_000).flatMap { $0 }
        for callID: UInt32 in 1...20 {
            let head = try Frame(callID: callID, type: .request, method: Methods.HealthService.check.path).wireEncoded()
            let body = head + entries
            var length = UInt32(body.count).bigEndian
            let prefix = withUnsafeBytes(of: &length) { Array($0) }
            #expect(socket.send(prefix + body))
            let answerLength = try #require(await socket.readAwaiting(count: 4, timeoutMs: 30_000))
            let size = answerLength.reduce(0) { $0 << 8 | Int($1) }
            let answer = try Frame(wireBytes: try #require(await socket.readAwaiting(count: size, timeoutMs: 30_000)))
            #expect(answer.callID == callID && answer.type == .response)
            #expect(answer.status?.code == StatusCode.invalidArgument.rawValue)
            #expect(answer.status?.errorInfo?.reason == "METADATA_TOO_LARGE")
        }
        let after = try #require(Self.residentBytes(pid))
        #expect(
            after - before < 64 * 1024 * 1024, "RSS grew from \(before / 1_048_576) MiB to \(after / 1_048_576) MiB")
        // The connection is still good for ordinary calls.
        let check = try Frame(
            callID: 21, type: .request, method: Methods.HealthService.check.path,
            payload: try HealthCheckRequest().wireEncoded()
        ).wireEncoded()
        var length = UInt32(check.count).bigEndian
        #expect(socket.send(withUnsafeBytes(of: &length) { Array($0) } + check))
        let okLength = try #require(await socket.readAwaiting(count: 4, timeoutMs: 5_000))
        let okAnswer = try Frame(
            wireBytes: try #require(await socket.readAwaiting(count: okLength.reduce(0) { $0 << 8 | Int($1) })))
        #expect(okAnswer.callID == 21 && (okAnswer.status?.code ?? 0) == 0)
        socket.close()
        await server.stop()
    }
}
