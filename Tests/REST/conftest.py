"""Fixtures: careerai-server and careerai-rest as real processes on loopback, with a real SMTP sink."""
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("CAREERAI_BIN_DIR") or str(ROOT / ".build" / "debug")
GOOGLE_CLIENT_ID = "rest-tests.apps.googleusercontent.com"
GOOGLE_CLIENT_SECRET = "rest-tests-secret"


def wait_for(predicate, what, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Stack:
    """The server, the adapter and the mail sink of one test module."""

    def __init__(self, work, server_env=None, engine="sqlite", rest_env=None):
        self.work = work
        self.engine = engine
        self.database_url = f"sqlite:{work / 'careerai.db'}" if engine == "sqlite" else fresh_postgres_database()
        self.processes = []
        self.maildir = work / "mail"
        self.maildir.mkdir()
        port_file = work / "smtp.port"
        self.spawn("smtp", [sys.executable, str(ROOT / "Tests/StandIns/smtp_sink.py"), str(self.maildir), str(port_file)], {})
        smtp_port = int(wait_for(lambda: port_file.exists() and port_file.read_text().endswith("\n") and port_file.read_text(), "SMTP sink").strip())
        google_port_file = work / "google.port"
        self.spawn("google", [sys.executable, str(ROOT / "Tests/StandIns/google_stand_in.py"), str(google_port_file),
                              GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET], {})
        self.google = "http://127.0.0.1:" + wait_for(
            lambda: google_port_file.exists() and google_port_file.read_text().endswith("\n") and google_port_file.read_text(),
            "Google stand-in").strip()
        address_file = work / "rpc.address"
        self.spawn("server", [f"{BIN}/careerai-server", "serve", "--address-file", str(address_file)], {
            "CAREERAI_RPC_ADDR": "127.0.0.1:0", "CAREERAI_DATABASE_URL": self.database_url,
            "CAREERAI_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "CAREERAI_MAIL_FROM": "codes@careerai.test",
            "CAREERAI_TRUSTED_PROXIES": "127.0.0.1",
            "GOOGLE_CLIENT_ID": GOOGLE_CLIENT_ID, "GOOGLE_CLIENT_SECRET": GOOGLE_CLIENT_SECRET,
            "CAREERAI_GOOGLE_AUTH_URL": f"{self.google}/o/oauth2/v2/auth",
            "CAREERAI_GOOGLE_TOKEN_URL": f"{self.google}/token", "CAREERAI_GOOGLE_JWKS_URL": f"{self.google}/certs",
            **(server_env or {}),
        })
        self.rpc = wait_for(lambda: address_file.exists() and address_file.read_text().endswith("\n") and address_file.read_text().strip(), "careerai-server")
        self.rest_log = work / "rest.log"
        self.rest, self.port = self.start_rest("rest", self.rpc, rest_env)
        self.base = f"http://127.0.0.1:{self.port}"

    def start_rest(self, name, rpc_target, extra_env=None):
        """A careerai-rest calling `rpc_target`, logging to NAME.log; returns (process, port)."""
        process = self.spawn(name, [f"{BIN}/careerai-rest"], {
            "CAREERAI_REST_ADDR": "127.0.0.1:0", "CAREERAI_RPC_TARGET": rpc_target, "CAREERAI_BASE_DOMAIN": "localhost",
            "CAREERAI_REST_KEEP_ALIVE_S": "1", **(extra_env or {}),
        })
        line = wait_for(lambda: re.search(rb"listening on 127\.0\.0\.1:(\d+)", (self.work / f"{name}.log").read_bytes()), name)
        return process, int(line.group(1))

    def spawn(self, name, argv, extra_env):
        log = open(self.work / f"{name}.log", "wb")
        process = subprocess.Popen(argv, env=dict(os.environ, **extra_env), stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        self.processes.append((name, process, log))
        return process

    def host(self, sub="demo"):
        return f"{sub}.localhost:{self.port}" if sub else f"localhost:{self.port}"

    def request(self, method, path, sub="demo", headers=None, **kwargs):
        all_headers = {"Host": self.host(sub)}
        all_headers.update(headers or {})
        return requests.request(method, self.base + path, headers=all_headers, timeout=30, allow_redirects=False, **kwargs)

    def latest_code(self, email, after=0):
        def find():
            for mail in sorted(self.maildir.glob("*.eml"), reverse=True):
                text = mail.read_text(errors="replace")
                if email in text.splitlines()[0] and mail.stat().st_mtime >= after:
                    match = re.search(r"\b(\d{6})\b", text)
                    if match:
                        return match.group(1)
            return None
        return wait_for(find, f"a code for {email}")

    def sign_in(self, email, delivery="bearer"):
        started = time.time() - 1
        answer = self.request("POST", "/v1/auth/otp", json={"email": email})
        assert answer.status_code == 200, answer.text
        code = self.latest_code(email, after=started)
        return self.request("POST", "/v1/auth/otp/verify", json={"email": email, "code": code, "tokenDelivery": delivery})

    def stop(self):
        for name, process, log in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            log.close()


def fresh_postgres_database():
    """A new, empty database on the test cluster of scripts/services.sh; its URL."""
    base = os.environ["CAREERAI_TEST_POSTGRES_URL"]
    name = "rest_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", base, "-c", f"CREATE DATABASE {name}"],
                   check=True, capture_output=True, timeout=60)
    return base.rsplit("/", 1)[0] + "/" + name


# The HTTP tests run on both engines when the test PostgreSQL is up (scripts/test.sh starts it).
ENGINES = ["sqlite"] + (["postgres"] if os.environ.get("CAREERAI_TEST_POSTGRES_URL") else [])


def make_stack(server_env=None, engine="sqlite", rest_env=None):
    return Stack(pathlib.Path(tempfile.mkdtemp(prefix=f"careerai-rest-{engine}-")), server_env, engine, rest_env)


@pytest.fixture(scope="module", params=ENGINES)
def stack(request):
    stack = make_stack(engine=request.param)
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def sqlite_stack():
    """For the slow suites (Chromium, schemathesis): what they test is the adapter, not the engine."""
    stack = make_stack()
    yield stack
    stack.stop()
