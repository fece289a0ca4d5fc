"""careerai-rest over real HTTP, in front of a real careerai-server: routes, errors, sessions, streams."""
import json
import time
import urllib.parse
import uuid

import requests

JOB = {"jobTitle": "Data Analyst Intern", "company": "Acme", "jobDescription": "SQL, Python and dashboards for the sales team.",
       "resumeText": "Built a Python dashboard for the student union budget. Taught SQL to 40 first-years."}


def bearer(stack, email):
    answer = stack.sign_in(email, delivery="bearer")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "set-cookie" not in {k.lower() for k in answer.headers}
    assert body["user"]["email"] == email and body["token"]
    return {"Authorization": "Bearer " + body["token"]}


def error_reason(answer):
    body = answer.json()
    assert set(body) == {"code", "message", "details"}, body
    info = body["details"][0]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" and info["domain"] == "careerai"
    return body["code"], info["reason"], info["metadata"]


def test_health_answers_on_any_host_and_tenants_come_from_the_host(stack):
    for sub in ("demo", None, "nowhere"):
        answer = stack.request("GET", "/v1/health", sub=sub)
        assert answer.status_code == 200 and answer.json()["status"] == "SERVING"
    bare = stack.request("GET", "/v1/university", sub=None)
    assert bare.status_code == 404 and error_reason(bare)[:2] == (5, "UNKNOWN_TENANT")
    unknown = stack.request("GET", "/v1/university", sub="nowhere")
    assert unknown.status_code == 404 and error_reason(unknown)[1] == "UNKNOWN_TENANT"
    other = stack.request("GET", "/v1/university", headers={"Host": f"demo.example.com:{stack.port}"})
    assert other.status_code == 404
    # No tenant from a header or a query parameter.
    sneaky = stack.request("GET", "/v1/university?tenant=demo", sub=None, headers={"X-Tenant": "demo"})
    assert sneaky.status_code == 404
    demo = stack.request("GET", "/v1/university")
    assert demo.status_code == 200 and demo.json()["subdomain"] == "demo"
    assert demo.json()["defaultSilver"] == 10 and isinstance(demo.json()["createdAtUnix"], int)
    assert demo.json()["googleSignIn"] is True, "GOOGLE_CLIENT_ID is set: the page may show the button"


def test_security_headers_and_access_log(stack):
    answer = stack.request("GET", "/v1/feature-costs")
    assert answer.status_code == 200 and answer.json()["costs"]
    headers = answer.headers
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"] and "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] and headers["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Origin" not in headers
    request_id = headers["X-Request-Id"]
    time.sleep(0.2)
    log = stack.rest_log.read_text()
    line = next(l for l in log.splitlines() if request_id in l)
    assert "GET" in line and "/v1/feature-costs" in line and "200" in line and "ms=" in line
    server_log = (stack.work / "server.log").read_text()
    assert request_id in server_log, "the server logs the same request id"


def test_otp_sign_in_cookie_attributes_and_csrf(stack):
    answer = stack.sign_in("cookie@demo.edu", delivery="cookie")
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("careerai_session=")
    parts = [p.strip() for p in cookie.split(";")]
    assert "HttpOnly" in parts and "SameSite=Lax" in parts and "Path=/" in parts
    assert "Secure" not in parts, "localhost development hosts are plain HTTP"
    assert not any(p.lower().startswith("domain=") for p in parts), "host-only: sibling universities share the site"
    body = answer.json()
    assert set(body) == {"user", "csrfToken"} and body["user"]["email"] == "cookie@demo.edu"
    token = cookie.split(";")[0].split("=", 1)[1]
    jar = {"Cookie": f"careerai_session={token}"}
    me = stack.request("GET", "/v1/me", headers=jar)
    assert me.status_code == 200 and me.headers["X-CSRF-Token"] == body["csrfToken"]

    missing = stack.request("POST", "/v1/runs/job-pack", headers=jar, json=JOB)
    assert missing.status_code == 403 and error_reason(missing)[:2] == (7, "CSRF_REJECTED")
    wrong = stack.request("POST", "/v1/runs/job-pack", headers=dict(jar, **{"X-CSRF-Token": "x" + body["csrfToken"][1:]}), json=JOB)
    assert wrong.status_code == 403 and error_reason(wrong)[1] == "CSRF_REJECTED"
    good = dict(jar, **{"X-CSRF-Token": body["csrfToken"]})
    cross = stack.request("POST", "/v1/runs/job-pack", headers=dict(good, **{"Sec-Fetch-Site": "cross-site"}), json=JOB)
    assert cross.status_code == 403 and error_reason(cross)[1] == "CSRF_REJECTED"
    foreign = stack.request("POST", "/v1/runs/job-pack", headers=dict(good, Origin="https://evil.example"), json=JOB)
    assert foreign.status_code == 403
    sibling = stack.request("POST", "/v1/runs/job-pack", headers=dict(good, Origin=f"http://other.localhost:{stack.port}"), json=JOB)
    assert sibling.status_code == 403, "another university's origin is another origin"
    same = stack.request("POST", "/v1/runs/job-pack", headers=dict(good, Origin=f"http://demo.localhost:{stack.port}"), json=JOB)
    assert same.status_code == 200, same.text

    # Logout revokes the session on the server: the cookie no longer works.
    out = stack.request("POST", "/v1/auth/logout", headers=good)
    assert out.status_code == 200 and "Max-Age=0" in out.headers["Set-Cookie"]
    after = stack.request("GET", "/v1/me", headers=jar)
    assert after.status_code == 401 and error_reason(after)[0] == 16


def test_bearer_needs_no_csrf_and_runs_stream_to_the_end_with_a_pdf(stack):
    auth = bearer(stack, "bearer@demo.edu")
    wallet = stack.request("GET", "/v1/wallet", headers=auth).json()
    assert wallet["silver"] == 10 and wallet["gold"] == 2
    started = stack.request("POST", "/v1/runs/job-pack", headers=dict(auth, **{"Idempotency-Key": "k-" + uuid.uuid4().hex}), json=JOB)
    assert started.status_code == 200, started.text
    run = started.json()
    assert run["status"] in ("queued", "running", "succeeded") and run["cost"]["amount"] > 0

    events = []
    with stack.request("GET", f"/v1/runs/{run['id']}/events", headers=auth, stream=True) as stream:
        assert stream.status_code == 200 and stream.headers["Content-Type"].startswith("text/event-stream")
        kind = None
        for raw in stream.iter_lines(decode_unicode=True):
            if raw.startswith("event: "):
                kind = raw[7:]
            elif raw.startswith("data: ") and kind == "run":
                events.append(json.loads(raw[6:]))
    assert events and events[0]["id"] == run["id"]
    assert events[-1]["status"] == "succeeded", [e["status"] for e in events]
    assert json.loads(events[-1]["resultJson"])

    got = stack.request("GET", f"/v1/runs/{run['id']}", headers=auth)
    assert got.status_code == 200 and got.json()["status"] == "succeeded"
    listed = stack.request("GET", "/v1/runs?pageSize=5", headers=auth).json()
    assert run["id"] in [r["id"] for r in listed["runs"]] and "nextPageToken" in listed
    pdf = stack.request("GET", f"/v1/runs/{run['id']}/pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment") and pdf.content.startswith(b"%PDF")
    ledger = stack.request("GET", "/v1/wallet/transactions?pageSize=1", headers=auth).json()
    assert len(ledger["transactions"]) == 1 and ledger["nextPageToken"]
    page2 = stack.request("GET", "/v1/wallet/transactions", params={"pageSize": "1", "pageToken": ledger["nextPageToken"]}, headers=auth)
    assert page2.status_code == 200

    skill = stack.request("POST", "/v1/runs/skill-mapper", headers=auth, json={"profile_text": "Python, SQL, public speaking", "resume_text": JOB["resumeText"]})
    assert skill.status_code == 200, skill.text
    no_pdf = stack.request("GET", f"/v1/runs/{skill.json()['id']}/pdf", headers=auth)
    assert no_pdf.status_code == 400 and error_reason(no_pdf)[0] == 9
    internships = stack.request("POST", "/v1/internships:find", headers=auth, json={"interests": ["data"], "skills": ["sql"], "location": "Pune"})
    assert internships.status_code == 200 and internships.json()["suggestions"], internships.text
    referral = stack.request("POST", "/v1/referrals:draft", headers=auth, json={"company": "Acme", "role": "Intern", "contactName": "Grace", "relationship": "alumni", "highlights": ["dashboards"]})
    assert referral.status_code == 200 and referral.json()["messages"], referral.text


def test_error_mapping(stack):
    auth = bearer(stack, "errors@demo.edu")
    # 400: a request field out of bounds (server), malformed JSON and a body that does not fit (adapter).
    bad_email = stack.request("POST", "/v1/auth/otp", json={"email": "not-an-email"})
    assert bad_email.status_code == 400 and error_reason(bad_email)[:2] == (3, "INVALID_EMAIL")
    broken = stack.request("POST", "/v1/auth/otp", data=b'{"email": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and error_reason(broken)[:2] == (3, "MALFORMED_JSON")
    unknown_field = stack.request("POST", "/v1/auth/otp", json={"mail": "a@demo.edu"})
    assert unknown_field.status_code == 400 and error_reason(unknown_field)[2]["field"] == "mail"
    wrong_type = stack.request("POST", "/v1/admin/top-ups", headers=auth, json={"amount": "lots"})
    assert wrong_type.status_code == 400 and error_reason(wrong_type)[2]["field"] == "amount"
    # 415, 413
    text = stack.request("POST", "/v1/auth/otp", data=b"email=a@demo.edu", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415 and error_reason(text)[:2] == (3, "UNSUPPORTED_MEDIA_TYPE")
    huge = stack.request("POST", "/v1/runs/job-pack", headers=auth, json=dict(JOB, resumeText="x" * 300_000))
    assert huge.status_code == 413 and error_reason(huge)[:2] == (3, "BODY_TOO_LARGE")
    # 401, 403
    anonymous = stack.request("GET", "/v1/wallet")
    assert anonymous.status_code == 401 and error_reason(anonymous)[:2] == (16, "SIGN_IN_REQUIRED")
    garbage = stack.request("GET", "/v1/wallet", headers={"Authorization": "Bearer nonsense"})
    assert garbage.status_code == 401
    student = stack.request("POST", "/v1/admin/top-ups", headers=auth, json={"userId": "x", "currency": "silver", "amount": 1, "reason": "r"})
    assert student.status_code == 403 and error_reason(student)[0] == 7
    # 404: no such run, no such route; 405 with Allow
    missing = stack.request("GET", "/v1/runs/" + str(uuid.uuid4()), headers=auth)
    assert missing.status_code == 404 and error_reason(missing)[:2] == (5, "RUN_NOT_FOUND")
    no_route = stack.request("GET", "/v1/nothing")
    assert no_route.status_code == 404 and error_reason(no_route)[:2] == (5, "ROUTE_NOT_FOUND")
    wrong_method = stack.request("DELETE", "/v1/wallet", headers=auth)
    assert wrong_method.status_code == 405 and wrong_method.headers["Allow"] == "GET"
    assert error_reason(wrong_method)[:2] == (12, "METHOD_NOT_ALLOWED")
    # 409: an idempotency key reused with another request
    key = {"Idempotency-Key": "reuse-" + uuid.uuid4().hex}
    first = stack.request("POST", "/v1/runs/job-pack", headers=dict(auth, **key), json=JOB)
    assert first.status_code == 200, first.text
    again = stack.request("POST", "/v1/runs/job-pack", headers=dict(auth, **key), json=JOB)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"], "the same request is answered again"
    other = stack.request("POST", "/v1/runs/job-pack", headers=dict(auth, **key), json=dict(JOB, company="Other"))
    assert other.status_code == 409 and error_reason(other)[:2] == (6, "IDEMPOTENCY_KEY_REUSED")
    # 429 with Retry-After: a second code requested at once
    assert stack.request("POST", "/v1/auth/otp", json={"email": "twice@demo.edu"}).status_code == 200
    soon = stack.request("POST", "/v1/auth/otp", json={"email": "twice@demo.edu"})
    assert soon.status_code == 429 and int(soon.headers["Retry-After"]) >= 1
    assert error_reason(soon)[:2] == (8, "OTP_RESEND_TOO_SOON")
    # 402: credits run out
    statuses = []
    for _ in range(30):
        answer = stack.request("POST", "/v1/runs/job-pack", headers=auth, json=JOB)
        statuses.append(answer.status_code)
        if answer.status_code != 200:
            break
    assert statuses[-1] == 402, statuses
    code, reason, metadata = error_reason(answer)
    assert (code, reason) == (8, "INSUFFICIENT_CREDITS") and int(metadata["required"]) > int(metadata["available"])
    # A deadline the adapter cannot read (504 for one that passes: test_rest_edges, through a stand-in)
    bad_timeout = stack.request("GET", "/v1/runs", headers=dict(auth, **{"Grpc-Timeout": "soon"}))
    assert bad_timeout.status_code == 400


def google_start(stack):
    """GET /v1/auth/google: (Location, the state cookie's value, the state)."""
    start = stack.request("GET", "/v1/auth/google")
    assert start.status_code == 302, start.text
    cookie = start.headers["Set-Cookie"]
    assert cookie.startswith("careerai_google_state=") and "HttpOnly" in cookie and "Path=/v1/auth/google" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    return start.headers["Location"], value, value.split(".")[0]


def test_google_sign_in_keeps_state_in_a_signed_cookie(stack):
    location, value, state = google_start(stack)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert location.startswith(stack.google + "/o/oauth2/v2/auth?")
    assert query["redirect_uri"] == [f"http://demo.localhost:{stack.port}/v1/auth/google/callback"]
    assert query["state"] == [state] and query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43, "PKCE: an S256 challenge of the verifier the cookie keeps"
    no_cookie = stack.request("GET", f"/v1/auth/google/callback?code=abc&state={state}")
    assert no_cookie.status_code == 400 and error_reason(no_cookie)[1] == "OAUTH_STATE_MISMATCH"
    jar = {"Cookie": f"careerai_google_state={value}"}
    different = stack.request("GET", "/v1/auth/google/callback?code=abc&state=other", headers=jar)
    assert different.status_code == 400 and error_reason(different)[1] == "OAUTH_STATE_MISMATCH"
    no_state = stack.request("GET", "/v1/auth/google/callback?code=abc", headers=jar)
    assert no_state.status_code == 400 and error_reason(no_state)[1] == "OAUTH_STATE_MISMATCH"
    forged = stack.request("GET", f"/v1/auth/google/callback?code=abc&state={state}", headers={"Cookie": f"careerai_google_state={value[:-2]}xx"})
    assert forged.status_code == 400
    # The right state with a code Google never issued: Google refuses it, and so do we.
    unknown = stack.request("GET", f"/v1/auth/google/callback?code=abc&state={state}", headers=jar)
    assert unknown.status_code == 401 and error_reason(unknown)[:2] == (16, "GOOGLE_CODE_REJECTED")


def test_google_sign_in_end_to_end_with_pkce(stack):
    location, value, state = google_start(stack)
    # The browser at Google's consent screen; the stand-in signs in the hinted account and redirects back.
    consent = requests.get(location + "&login_hint=ada%40demo.edu", timeout=30, allow_redirects=False)
    assert consent.status_code == 302, consent.text
    back = urllib.parse.urlsplit(consent.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"http://demo.localhost:{stack.port}/v1/auth/google/callback"
    jar = {"Cookie": f"careerai_google_state={value}"}
    signed_in = stack.request("GET", f"{back.path}?{back.query}", headers=jar)
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/#/wallet", signed_in.text
    cookies = signed_in.headers["Set-Cookie"]
    assert "careerai_google_state=;" in cookies and "careerai_session=" in cookies
    session = cookies.split("careerai_session=")[1].split(";")[0]
    me = stack.request("GET", "/v1/me", headers={"Cookie": f"careerai_session={session}"})
    assert me.status_code == 200 and me.json()["email"] == "ada@demo.edu" and me.json()["googleId"] == "g-ada@demo.edu"
    # A code works once, and only with the verifier of its own sign-in: replaying the callback fails.
    replay = stack.request("GET", f"{back.path}?{back.query}", headers=jar)
    assert replay.status_code == 401 and error_reason(replay)[1] == "GOOGLE_CODE_REJECTED"
    # Another sign-in's cookie (another verifier) with this one's code and state is refused too.
    location2, value2, state2 = google_start(stack)
    consent2 = requests.get(location2 + "&login_hint=ada%40demo.edu", timeout=30, allow_redirects=False)
    query2 = urllib.parse.urlsplit(consent2.headers["Location"]).query
    code2 = urllib.parse.parse_qs(query2)["code"][0]
    _, value3, state3 = google_start(stack)
    swapped = stack.request("GET", f"/v1/auth/google/callback?code={urllib.parse.quote(code2)}&state={state3}",
                            headers={"Cookie": f"careerai_google_state={value3}"})
    assert swapped.status_code == 401 and error_reason(swapped)[1] == "GOOGLE_CODE_REJECTED", "PKCE binds the code"


def test_openapi_document_describes_every_route(stack):
    doc = stack.request("GET", "/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for path in ["/v1/health", "/v1/university", "/v1/feature-costs", "/v1/auth/otp", "/v1/auth/otp/verify", "/v1/auth/logout",
                 "/v1/auth/google", "/v1/auth/google/callback", "/v1/me", "/v1/wallet", "/v1/wallet/transactions",
                 "/v1/runs/job-pack", "/v1/runs/skill-mapper", "/v1/runs", "/v1/runs/{id}", "/v1/runs/{id}/events",
                 "/v1/runs/{id}/pdf", "/v1/internships:find", "/v1/referrals:draft", "/v1/admin/top-ups"]:
        assert path in doc["paths"], path
    assert "Run" in doc["components"]["schemas"]


def test_pages_are_served(stack):
    page = stack.request("GET", "/")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    for words in ("Email", "Code", "Send code", "Sign in", "Job Pack", "Start", "Download PDF"):
        assert words in page.text
    assert stack.request("GET", "/app.js").status_code == 200
    assert "text/css" in stack.request("GET", "/app.css").headers["Content-Type"]
    assert stack.request("GET", "/", sub=None).status_code == 404
