"""A client written from docs/PROTOCOL.md and Proto/ alone, in another language, with that language's
ordinary protobuf library: it must be able to call careerai-server."""
import signal
import socket
import struct

PREFACE = b"CRPC" + struct.pack(">HH", 1, 0)


class Connection:
    def __init__(self, host, port, pb):
        self.pb = pb
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.sendall(PREFACE)
        assert self.read_exactly(8) == PREFACE

    def read_exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def send(self, frame):
        body = frame.SerializeToString()
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def receive(self):
        (length,) = struct.unpack(">I", self.read_exactly(4))
        frame = self.pb.frame.Frame()
        frame.ParseFromString(self.read_exactly(length))
        return frame

    def request(self, call_id, method, message, **fields):
        frame = self.pb.frame.Frame(call_id=call_id, type=self.pb.frame.FRAME_TYPE_REQUEST, method=method,
                                    payload=message.SerializeToString(), **fields)
        self.send(frame)


def test_health_check(server, pb):
    host, port, _ = server
    conn = Connection(host, port, pb)
    conn.request(1, "/careerai.v1.HealthService/Check", pb.health.HealthCheckRequest(),
                 metadata={"x-request-id": "py-1"}, timeout_ms=5000)
    frame = conn.receive()
    assert frame.call_id == 1
    assert frame.type == pb.frame.FRAME_TYPE_RESPONSE
    assert frame.status.code == 0
    assert frame.metadata["x-request-id"] == "py-1"
    health = pb.health.HealthCheckResponse()
    health.ParseFromString(frame.payload)
    assert health.status == "SERVING"
    assert health.version


def test_concurrent_calls_answered_by_call_id(server, pb):
    host, port, _ = server
    conn = Connection(host, port, pb)
    for call_id in range(1, 51):
        conn.request(call_id, "/careerai.v1.HealthService/Check", pb.health.HealthCheckRequest())
    seen = sorted(conn.receive().call_id for _ in range(50))
    assert seen == list(range(1, 51))


def test_errors_carry_status_and_error_info(server, pb):
    host, port, _ = server
    conn = Connection(host, port, pb)
    conn.request(1, "/careerai.v1.Nope/Nothing", pb.health.HealthCheckRequest())
    frame = conn.receive()
    assert frame.status.code == 12
    assert frame.status.error_info.reason == "UNKNOWN_METHOD"
    conn.request(2, "/careerai.v1.HealthService/Check", pb.health.HealthCheckRequest(service="x" * 300))
    frame = conn.receive()
    assert frame.status.code == 3
    assert frame.status.error_info.metadata["field"] == "service"


def test_ping_pong(server, pb):
    host, port, _ = server
    conn = Connection(host, port, pb)
    conn.send(pb.frame.Frame(call_id=0, type=pb.frame.FRAME_TYPE_PING, payload=b"\x00\x01\x02\x03\x04\x05\x06\x07"))
    frame = conn.receive()
    assert frame.type == pb.frame.FRAME_TYPE_PONG
    assert frame.payload == b"\x00\x01\x02\x03\x04\x05\x06\x07"


def test_watch_stream_and_goaway_on_sigterm(server, pb):
    host, port, process = server
    conn = Connection(host, port, pb)
    conn.request(7, "/careerai.v1.HealthService/Watch", pb.health.HealthCheckRequest())
    first = conn.receive()
    assert first.type == pb.frame.FRAME_TYPE_STREAM_MESSAGE and first.call_id == 7
    process.send_signal(signal.SIGTERM)
    frames = []
    while True:
        try:
            frames.append(conn.receive())
        except ConnectionError:
            break
    types = [f.type for f in frames]
    assert pb.frame.FRAME_TYPE_GOAWAY in types
    goaway = frames[types.index(pb.frame.FRAME_TYPE_GOAWAY)]
    assert goaway.call_id == 0 and goaway.metadata["last-call-id"] == "7"
    messages = [f for f in frames if f.type == pb.frame.FRAME_TYPE_STREAM_MESSAGE]
    health = pb.health.HealthCheckResponse()
    health.ParseFromString(messages[-1].payload)
    assert health.status == "NOT_SERVING"
    ends = [f for f in frames if f.type == pb.frame.FRAME_TYPE_STREAM_END]
    assert len(ends) == 1 and ends[0].call_id == 7 and ends[0].status.code == 0
    assert process.wait(timeout=30) == 0


def test_bad_frame_gets_goaway_and_close(server, pb):
    host, port, _ = server
    conn = Connection(host, port, pb)
    conn.sock.sendall(struct.pack(">I", 3) + b"\xff\xff\xff")
    frame = conn.receive()
    assert frame.type == pb.frame.FRAME_TYPE_GOAWAY
    assert frame.status.code == 3
    assert conn.sock.recv(1) == b""
