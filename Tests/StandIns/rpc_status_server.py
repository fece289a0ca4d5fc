"""A stand-in for careerai-server that answers every call with the status its caller asks for.

The caller names it in the bearer token: `authorization: Bearer status-N` gets status code N with an
ErrorInfo (reason STAND_IN_STATUS, or INSUFFICIENT_CREDITS for `status-8-credits`). It lets the
REST tests reach statuses a healthy server never sends (CANCELLED, INTERNAL, UNIMPLEMENTED, ...).
It speaks docs/PROTOCOL.md's preface and length-prefixed frames, with a hand-written codec for the
few protobuf fields of careerai.rpc.v1.Frame, so it needs nothing but Python.

    python3 rpc_status_server.py ADDRESS_FILE   # writes "127.0.0.1:PORT\n" once listening
"""
import socket
import struct
import sys
import threading

PREFACE = b"CRPC" + struct.pack(">HH", 1, 0)
REQUEST, RESPONSE, PING, PONG = 1, 2, 6, 7
MAX_FRAME_BYTES = 4 * 1024 * 1024


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire_type, payload):
    key = varint(number << 3 | wire_type)
    if wire_type == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def fields(data):
    """(number, value) pairs: ints for varints, bytes for length-delimited fields."""
    at = 0
    while at < len(data):
        key, at = read_varint(data, at)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, at = read_varint(data, at)
        elif wire_type == 2:
            length, at = read_varint(data, at)
            value, at = data[at:at + length], at + length
        elif wire_type == 5:
            value, at = data[at:at + 4], at + 4
        elif wire_type == 1:
            value, at = data[at:at + 8], at + 8
        else:
            raise ValueError(f"wire type {wire_type}")
        yield number, value


def read_varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def decode_frame(data):
    frame = {"call_id": 0, "type": 0, "method": "", "metadata": {}, "payload": b""}
    for number, value in fields(data):
        if number == 1:
            frame["call_id"] = value
        elif number == 2:
            frame["type"] = value
        elif number == 3:
            frame["method"] = value.decode()
        elif number == 4:
            entry = dict(fields(value))
            frame["metadata"][entry.get(1, b"").decode()] = entry.get(2, b"").decode()
        elif number == 6:
            frame["payload"] = value
    return frame


def answer(call_id, code, reason):
    info = field(1, 2, reason.encode())
    if reason == "INSUFFICIENT_CREDITS":
        for key, value in (("required", "3"), ("available", "1"), ("currency", "silver")):
            info += field(2, 2, field(1, 2, key.encode()) + field(2, 2, value.encode()))
    status = field(1, 0, code) + field(2, 2, f"stand-in status {code}".encode()) + field(3, 2, info)
    return field(1, 0, call_id) + field(2, 0, RESPONSE) + field(7, 2, status)


def read_exactly(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def serve(conn):
    lock = threading.Lock()
    try:
        if read_exactly(conn, 8) != PREFACE:
            return
        conn.sendall(PREFACE)
        while True:
            (length,) = struct.unpack(">I", read_exactly(conn, 4))
            if length > MAX_FRAME_BYTES:
                return
            frame = decode_frame(read_exactly(conn, length))
            if frame["type"] == PING:
                body = field(2, 0, PONG) + field(6, 2, frame["payload"])
            elif frame["type"] == REQUEST:
                token = frame["metadata"].get("authorization", "").removeprefix("Bearer ")
                parts = token.split("-")
                code = int(parts[1]) if len(parts) >= 2 and parts[0] == "status" and parts[1].isdigit() else 2
                reason = "INSUFFICIENT_CREDITS" if parts[-1] == "credits" else "STAND_IN_STATUS"
                body = answer(frame["call_id"], code, reason)
            else:
                continue
            with lock:
                conn.sendall(struct.pack(">I", len(body)) + body)
    except (ConnectionError, OSError, ValueError, IndexError):
        pass
    finally:
        conn.close()


def main():
    listener = socket.create_server(("127.0.0.1", 0))
    with open(sys.argv[1] + ".tmp", "w") as out:
        out.write(f"127.0.0.1:{listener.getsockname()[1]}\n")
    import os
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
