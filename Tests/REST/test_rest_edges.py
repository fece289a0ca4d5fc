"""careerai-rest at its edges: every gRPC status a server can send, the Secure cookie off localhost,
an admin's top-up, and SIGTERM with an event stream open."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from conftest import BIN, ROOT, make_stack, wait_for
from test_rest_http import JOB, bearer, error_reason

# grpc-gateway's table (the issue's), one row per code; 8 with INSUFFICIENT_CREDITS is 402.
HTTP_FOR_CODE = {1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409, 11: 400,
                 12: 501, 13: 500, 14: 503, 15: 500, 16: 401}


def get(port, path, host, headers=None, **kwargs):
    return requests.get(f"http://127.0.0.1:{port}{path}", headers=dict({"Host": host}, **(headers or {})),
                        timeout=30, allow_redirects=False, **kwargs)


def test_every_grpc_status_has_its_http_status(stack):
    address = stack.work / "standin.address"
    stack.spawn("standin", [sys.executable, str(ROOT / "Tests/StandIns/rpc_status_server.py"), str(address)], {})
    target = wait_for(lambda: address.exists() and address.read_text().strip(), "the RPC stand-in")
    _, port = stack.start_rest("rest-standin", target)
    host = f"demo.localhost:{port}"
    for code, status in HTTP_FOR_CODE.items():
        answer = get(port, "/v1/wallet", host, {"Authorization": f"Bearer status-{code}"})
        assert answer.status_code == status, (code, answer.status_code, answer.text)
        assert error_reason(answer)[:2] == (code, "STAND_IN_STATUS"), answer.text
        assert answer.headers["Cache-Control"] == "no-store" and answer.headers["X-Request-Id"]
    credits = get(port, "/v1/wallet", host, {"Authorization": "Bearer status-8-credits"})
    assert credits.status_code == 402 and error_reason(credits)[:2] == (8, "INSUFFICIENT_CREDITS")
    assert "Retry-After" not in credits.headers, "waiting does not bring credits"


def test_session_cookie_is_secure_off_localhost(stack):
    _, port = stack.start_rest("rest-public", stack.rpc, {
        "CAREERAI_BASE_DOMAIN": "careerai.test", "CAREERAI_REST_SECRET": "s" * 48})
    host = f"demo.careerai.test:{port}"
    email = "secure@demo.edu"
    started = time.time() - 1
    sent = requests.post(f"http://127.0.0.1:{port}/v1/auth/otp", json={"email": email}, headers={"Host": host}, timeout=30)
    assert sent.status_code == 200, sent.text
    code = stack.latest_code(email, after=started)
    verified = requests.post(f"http://127.0.0.1:{port}/v1/auth/otp/verify", json={"email": email, "code": code},
                             headers={"Host": host}, timeout=30)
    assert verified.status_code == 200, verified.text
    parts = [p.strip() for p in verified.headers["Set-Cookie"].split(";")]
    assert "Secure" in parts and "HttpOnly" in parts and "SameSite=Lax" in parts
    assert not any(p.lower().startswith("domain=") for p in parts)
    # The tenant still comes from the Host under the new base domain, and only from it.
    assert get(port, "/v1/university", host).json()["subdomain"] == "demo"
    assert get(port, "/v1/university", f"demo.localhost:{port}").status_code == 404


def test_admin_tops_up_a_student(stack):
    student = bearer(stack, "topped@demo.edu")
    student_id = stack.request("GET", "/v1/me", headers=student).json()["id"]
    admin = bearer(stack, "dean@demo.edu")
    refused = stack.request("POST", "/v1/admin/top-ups", headers=admin,
                            json={"userId": student_id, "currency": "silver", "amount": 5, "reason": "prize"})
    assert refused.status_code == 403, "not an admin yet"
    promoted = subprocess.run(
        [f"{BIN}/careerai-server", "user", "promote", "--email", "dean@demo.edu", "--role", "university_admin"],
        env=dict(os.environ, CAREERAI_DATABASE_URL=stack.database_url),
        capture_output=True, timeout=60)
    assert promoted.returncode == 0, promoted.stderr
    # The server caches a session and its role for CAREERAI_SESSION_CACHE_MS (1 s): wait until it shows.
    wait_for(lambda: stack.request("GET", "/v1/me", headers=admin).json()["role"] == "university_admin", "the new role", 10)
    before = stack.request("GET", "/v1/wallet", headers=student).json()["silver"]
    key = {"Idempotency-Key": "top-up-topped-1"}
    body = {"userId": student_id, "currency": "silver", "amount": 5, "reason": "hackathon prize"}
    first = stack.request("POST", "/v1/admin/top-ups", headers=dict(admin, **key), json=body)
    assert first.status_code == 200, first.text
    again = stack.request("POST", "/v1/admin/top-ups", headers=dict(admin, **key), json=body)
    assert again.status_code == 200 and again.json() == first.json(), "a retried top-up is answered, not repeated"
    assert stack.request("GET", "/v1/wallet", headers=student).json()["silver"] == before + 5
    ledger = stack.request("GET", "/v1/wallet/transactions?pageSize=10", headers=student).json()["transactions"]
    assert any(row["amount"] == 5 and row["currency"] == "silver" and "top" in row["type"] for row in ledger), ledger
    by_email = stack.request("POST", "/v1/admin/top-ups", headers=admin,
                             json={"email": "Topped@demo.edu", "currency": "gold", "amount": 1, "reason": "by email"})
    assert by_email.status_code == 200 and by_email.json()["transaction"]["userId"] == student_id, by_email.text
    nobody = stack.request("POST", "/v1/admin/top-ups", headers=admin,
                           json={"email": "nobody@demo.edu", "currency": "gold", "amount": 1, "reason": "x"})
    assert nobody.status_code == 404 and error_reason(nobody)[1] == "USER_NOT_FOUND"
    negative = stack.request("POST", "/v1/admin/top-ups", headers=admin, json=dict(body, amount=-5))
    assert negative.status_code == 400 and error_reason(negative)[0] == 3


def test_sigterm_ends_open_event_streams_and_exits_0():
    # Runs take 8 s here, so the stream is still open when the adapter is told to stop.
    # A request must arrive within 1 s here: the stream must outlive that (it is an answer, not a read).
    stack = make_stack({"CAREERAI_MOCK_DELAY_MS": "8000"}, rest_env={"CAREERAI_REST_REQUEST_READ_TIMEOUT_S": "1"})
    try:
        auth = bearer(stack, "sigterm@demo.edu")
        run = stack.request("POST", "/v1/runs/job-pack", headers=auth, json=JOB).json()
        events = []
        with stack.request("GET", f"/v1/runs/{run['id']}/events", headers=auth, stream=True) as stream:
            assert stream.status_code == 200
            lines = stream.iter_lines(decode_unicode=True)
            for line in lines:
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                    break
            assert events and events[0]["status"] in ("queued", "running")
            kept_alive = 0
            for line in lines:  # keep-alive comments, one a second, for over twice the read timeout
                kept_alive += line.startswith(": keep-alive")
                if kept_alive == 3:
                    break
            assert kept_alive == 3
            stopped_at = time.monotonic()
            stack.rest.send_signal(signal.SIGTERM)
            rest = list(lines)  # ends when the adapter closes the stream; a hang is a read timeout
            assert time.monotonic() - stopped_at < 10, "the stream ended promptly"
            assert all(not line.startswith("data: ") or json.loads(line[6:])["status"] in ("queued", "running")
                       for line in rest)
        assert stack.rest.wait(timeout=20) == 0, "careerai-rest drains and exits 0"
    finally:
        stack.stop()


def http_get(sock, path="/v1/health"):
    """One keep-alive GET on a raw socket; the status code (the answer read whole)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: demo.localhost\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split(b" ")[1])


def closed_by_peer(sock, within_s):
    """Whether the other side closes `sock` within `within_s` (reading and dropping what it sends)."""
    sock.settimeout(within_s)
    try:
        while sock.recv(65536):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def connect(port, source="127.0.0.1"):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def test_one_host_gets_its_share_of_connections_and_no_more(stack):
    _, port = stack.start_rest("rest-peers", stack.rpc, {"CAREERAI_REST_MAX_CONNECTIONS_PER_PEER": "8"})
    held = [connect(port) for _ in range(8)]
    assert [http_get(s) for s in held] == [200] * 8, "eight connections of one host are served and stay open"
    extra = connect(port)
    assert closed_by_peer(extra, 5), "a ninth from the same host is closed at once"
    other_host = connect(port, source="127.0.0.2")  # another loopback address: another peer
    assert http_get(other_host) == 200, "other hosts are not shut out"
    held.pop().close()
    again = wait_for(lambda: served(port), "the freed slot", 10)
    for sock in held + [again, other_host]:
        sock.close()


def served(port):
    """A new connection that got an answer, or None (closed: its host is at the limit)."""
    sock = connect(port)
    try:
        if http_get(sock) == 200:
            return sock
    except (ConnectionError, OSError):
        pass
    sock.close()
    return None


def test_slow_requests_and_idle_connections_are_closed(stack):
    _, port = stack.start_rest("rest-slow", stack.rpc, {"CAREERAI_REST_REQUEST_READ_TIMEOUT_S": "1"})
    # Slowloris: a request head sent a byte at a time, each in time for the idle timeout, never whole.
    slow = connect(port)
    slow.sendall(b"GET /v1/health HTTP/1.1\r\nHost: demo.localhost\r\nX-Slow: ")
    started = time.monotonic()
    closed = False
    while time.monotonic() - started < 10 and not closed:
        try:
            slow.sendall(b"a")
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        closed = closed_by_peer(slow, 0.3)
    assert closed and time.monotonic() - started < 5, "closed about a second after the connection opened"
    # A kept-alive connection that sends no next request is closed after the same time.
    idle = connect(port)
    assert http_get(idle) == 200
    assert closed_by_peer(idle, 5)
    # Headers past the limits (32 KiB in all): refused, and the adapter serves the next client.
    huge = connect(port)
    huge.sendall(b"GET /v1/health HTTP/1.1\r\nHost: demo.localhost\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n")
    answer = b""
    huge.settimeout(5)
    try:
        while chunk := huge.recv(65536):  # to the end: the adapter must close (or answer and close)
            answer += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        raise AssertionError(f"neither refused nor closed within 5 s: {answer[:80]!r}")
    assert answer == b"" or answer.split(b" ")[1].startswith(b"4"), answer[:80]
    assert http_get(connect(port)) == 200

