"""A stand-in for Google's OAuth 2.0 endpoints (OpenID Connect, authorization code flow with PKCE).

GET  /o/oauth2/v2/auth   the consent screen: signs in `login_hint` (any address) at once and
                         redirects to redirect_uri with a code and the state; keeps the code's
                         redirect_uri and PKCE challenge (only S256 is accepted, as Google advises)
POST /token              exchanges a code once: client id and secret, redirect_uri and the PKCE
                         verifier must match, else 400 invalid_grant / 401 invalid_client as Google
                         answers; returns an RS256 ID token
GET  /certs              the JWKS that verifies those tokens

    python3 google_stand_in.py PORT_FILE CLIENT_ID CLIENT_SECRET
"""
import base64
import hashlib
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KID = "stand-in-key-1"
CODES = {}
LOCK = threading.Lock()
MAX_BODY_BYTES = 64 * 1024


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def id_token(client_id, email):
    now = int(time.time())
    header = {"alg": "RS256", "kid": KID, "typ": "JWT"}
    claims = {"iss": "https://accounts.google.com", "aud": client_id, "azp": client_id, "sub": "g-" + email,
              "email": email, "email_verified": True, "name": email.split("@")[0].title(), "iat": now, "exp": now + 3600}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    signature = KEY.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


class Handler(BaseHTTPRequestHandler):
    client_id = ""
    client_secret = ""

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/certs":
            numbers = KEY.public_key().public_numbers()
            jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": KID,
                   "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                   "e": b64url(numbers.e.to_bytes(3, "big"))}
            return self.answer(200, {"keys": [jwk]}, [("Cache-Control", "public, max-age=3600")])
        if url.path == "/o/oauth2/v2/auth":
            if query.get("client_id") != self.client_id or query.get("response_type") != "code":
                return self.answer(400, {"error": "invalid_request"})
            if "code_challenge" in query and query.get("code_challenge_method") != "S256":
                return self.answer(400, {"error": "invalid_request", "error_description": "S256 only"})
            code = "4/" + secrets.token_urlsafe(24)
            with LOCK:
                CODES[code] = {"redirect_uri": query["redirect_uri"], "challenge": query.get("code_challenge"),
                               "email": query.get("login_hint", "student@demo.edu")}
            target = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query.get("state", "")})
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self.answer(404, {"error": "not_found"})

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != "/token":
            return self.answer(404, {"error": "not_found"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return self.answer(413, {"error": "too_large"})
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return self.answer(401, {"error": "invalid_client"})
        with LOCK:
            issued = CODES.pop(form.get("code", ""), None)  # a code works once
        if issued is None or form.get("grant_type") != "authorization_code" or issued["redirect_uri"] != form.get("redirect_uri"):
            return self.answer(400, {"error": "invalid_grant", "error_description": "Bad Request"})
        verifier = form.get("code_verifier")
        if issued["challenge"] is not None:
            if verifier is None or b64url(hashlib.sha256(verifier.encode()).digest()) != issued["challenge"]:
                return self.answer(400, {"error": "invalid_grant", "error_description": "Invalid code verifier."})
        elif verifier is not None:
            return self.answer(400, {"error": "invalid_grant", "error_description": "code_verifier without a challenge"})
        return self.answer(200, {"access_token": "ya29.stand-in", "expires_in": 3599, "token_type": "Bearer",
                                 "scope": "openid email profile", "id_token": id_token(self.client_id, issued["email"])})


def main():
    port_file, Handler.client_id, Handler.client_secret = sys.argv[1:4]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as out:
        out.write(f"{server.server_address[1]}\n")
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
