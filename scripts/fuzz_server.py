"""A larger hostile run against a real gunicorn server, in the production and the development configuration.

    .venv/bin/python scripts/fuzz_server.py [--requests 2000] [--port 5910] [--config production development]

For each configuration it builds a fresh database (SQLite in a temporary folder, or DATABASE_URL), seeds it,
makes one account per role (with two-factor sign-in on in production), starts gunicorn on 127.0.0.1, and:

1. sends ``--requests`` random requests to routes read from the app's URL map, as a random role or nobody,
   with hostile ids (2^31, 2^63, 2^64, superscript and Arabic-Indic digits), query arguments and form fields
   (NUL, CR/LF, bad choices; with a real CSRF token, mostly), counting every 5xx;
2. uploads the hostile files of tests/hostile/files.py (polyglots, zip and image bombs, PDFs with JavaScript
   or attachments, remote templates, macros) through every upload form that takes their type (evidence as
   the agency lead, plan and report import as the administrator); any not refused in words is a failure;
3. tries to lock a person out: wrong passwords from many addresses, then signs the person in (production runs
   as if behind one proxy, TRUSTED_PROXY_COUNT=1, so X-Forwarded-For carries each attacker's address, and the
   person signs in with the second factor; the development run trusts no proxy: a forged X-Forwarded-For
   must not escape the throttle, and the person signs in from another loopback address, 127.0.0.2);
4. sends malformed requests (bytes that are not UTF-8, bodies unlike their type, odd methods, forged cookies
   and hosts, forwarded values that are not addresses) as every role;
5. checks the history: its hash chain verifies, in-process and with ``flask verify-audit``, and failed
   sign-ins carry the real client address (never a forged one, never text that is not an address);
   and the server log holds no traceback.

It prints the figures and exits non-zero if any check failed. Ports: ``--port`` and the next one.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "fuzzing horse battery staple"  # noqa: S105 - a throwaway account in a throwaway database
ROLES = {
    "admin": ("fuzz-admin@test.invalid", {"role": "admin"}),
    "board_member": ("fuzz-member@test.invalid", {"role": "board_member", "board_keys": ["milton-keynes"]}),
    "agency_lead": ("fuzz-lead@test.invalid", {"role": "agency_lead", "agency_key": "thames-valley-police"}),
    "auditor": ("fuzz-auditor@test.invalid", {"role": "auditor", "board_keys": ["milton-keynes"]}),
    "victim": ("fuzz-victim@test.invalid", {"role": "board_member", "board_keys": ["milton-keynes"]}),
}
HOSTILE = [
    "9223372036854775808",
    "18446744073709551616",
    "99999999999999999999",
    "2147483648",
    "-1",
    "0",
    "1",
    "2",
    "²",
    "١٢٣٤٥٦",
    "١٢٣",
    "１２",
    "abc",
    "\x00",
    "a\x00b",
    "a\r\nSet-Cookie: x=1",
    "/reviews\r\nLocation: https://evil.example",
    "https://evil.example/",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "//evil.example",
    "/\\evil.example",
    "2026-02-30",
    "",
    "x" * 3000,
    "\u202e\ufeff",
    "𝟙",
]
QUERY_KEYS = ["page", "board", "agency", "review", "status", "role", "active", "as_at", "next", "kind", "format"]
FIELDS = [
    "owner", "due_date", "due_date_reason", "success_measure", "version", "status", "reason", "statement",
    "decision", "comments", "recheck_due", "agency", "text", "response", "rationale", "kind", "title",
    "narrative", "link", "relates_to", "keep_files", "email", "password", "code", "name", "role", "boards",
    "kept", "scope", "board", "review", "date_from", "date_to", "next", "item", "step", "agencies",
    "new_password", "current_password", "implemented", "maintained", "evidence",
]  # fmt: skip


class Browser:
    """Cookies by hand (the production cookie is Secure, and this talks plain HTTP to gunicorn). ``source`` is
    the loopback address the connection comes from (any 127.x.y.z): a second real client, not a forged one."""

    def __init__(self, port: int, address: str | None = None, source: str = "127.0.0.1"):
        self.port, self.address, self.source, self.cookies = port, address, source, {}

    def request(self, method, path, fields=None, files=None, address=None, *, body=None, headers=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if address or self.address:
            headers["X-Forwarded-For"] = address or self.address
        if method == "POST" and body is None:
            body, content_type = encode_multipart(fields or [], files or [])
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120, source_address=(self.source, 0))
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", data.decode("utf-8", "replace")

    def csrf(self, path: str = "/sign-in") -> str:
        _, _, page = self.request("GET", path)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        return found.group(1) if found else ""


def encode_multipart(fields, files) -> tuple[bytes, str]:
    boundary = "fuzz" + os.urandom(8).hex()
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode("utf-8", "surrogatepass") + b"\r\n")
    for name, filename, content in files:
        quoted = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def sign_in(browser: Browser, email: str, secret: str | None, address: str | None = None, step: int = 0):
    token = browser.csrf()
    status, location, _ = browser.request(
        "POST", "/sign-in", [("csrf_token", token), ("email", email), ("password", PASSWORD)], address=address
    )
    if location.endswith("/sign-in/code") and secret:
        import pyotp

        totp = pyotp.TOTP(secret)
        code = totp.generate_otp(totp.timecode(time_now()) + step)
        token = browser.csrf("/sign-in/code")
        status, location, _ = browser.request(
            "POST", "/sign-in/code", [("csrf_token", token), ("code", code)], address=address
        )
    return status, location


def signed_in(location: str) -> bool:
    """A sign-in that went through: redirected on, not back to a sign-in step."""
    return bool(location) and "/sign-in" not in location


def time_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def prepare(config_name: str, workdir: Path, database_url: str, proxies: int) -> dict:
    """Migrate, seed and make the accounts in-process; returns the environment for gunicorn and the facts."""
    env = {
        **os.environ,
        "TRACKER_ENV": config_name,
        "SECRET_KEY": "fuzz-" + os.urandom(24).hex(),
        "DATABASE_URL": database_url,
        "EVIDENCE_STORAGE_DIR": str(workdir / "evidence"),
        "TRUSTED_PROXY_COUNT": str(proxies),
        "LOGIN_FAILURE_WINDOW_MINUTES": "5",
    }
    os.environ.update({k: env[k] for k in ("TRACKER_ENV", "SECRET_KEY", "DATABASE_URL", "EVIDENCE_STORAGE_DIR")})
    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from tracker import create_app
    from tracker.actions.models import Action
    from tracker.auth import two_factor
    from tracker.auth.services import create_user
    from tracker.extensions import db
    from tracker.orgs.models import Agency
    from tracker.seeding.loader import load_seeds

    app = create_app(
        {"ENV_NAME": config_name, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": env["SECRET_KEY"]}
    )
    facts = {"env": env, "secrets": {}, "routes": []}
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        load_seeds(db.session, ROOT / "seeds")
        for role, (email, extra) in ROLES.items():
            person = create_user(db.session, email=email, name=role.title(), password=PASSWORD, **extra)
            if config_name == "production":
                secret = two_factor.pending_secret(db.session, person)
                import pyotp

                two_factor.turn_on(db.session, person, pyotp.TOTP(secret).now())
                facts["secrets"][role] = secret
        db.session.commit()
        action = db.session.execute(
            select(Action).join(Agency).where(Agency.key == "thames-valley-police").order_by(Action.id).limit(1)
        ).scalar_one()
        facts["lead_action"] = action.id
        for rule in app.url_map.iter_rules():
            if rule.endpoint != "static":
                facts["routes"] += [(m, rule.endpoint, rule.rule) for m in ("GET", "POST") if m in rule.methods]
        db.session.remove()
        db.engine.dispose()
    return facts


def history_check(database_url: str, facts: dict, config_name: str) -> tuple[bool, str]:
    """The chain verifies (in-process and with ``flask verify-audit``); failed sign-ins carry the real client
    address: each attacker's behind the proxy, never a forged one without it, never text that is no address."""
    import ipaddress

    from sqlalchemy import select

    from tracker import audit, create_app
    from tracker.extensions import db

    app = create_app({"ENV_NAME": config_name, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        broken = audit.verify_chain(db.session)
        count = db.session.execute(select(audit.HistoryEntry.id)).all()
        recorded = set(db.session.execute(select(audit.HistoryEntry.ip_address).distinct()).scalars()) - {None}
        failed = db.session.execute(
            select(audit.HistoryEntry.ip_address).where(audit.HistoryEntry.event == "sign_in.failed")
        ).scalars()
        addresses = set(failed)
        db.session.remove()
        db.engine.dispose()
    not_addresses = set()
    for value in recorded:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            not_addresses.add(value)
    if config_name == "production":
        addresses_ok = {"203.0.113.1", "203.0.113.12"} <= addresses
    else:
        addresses_ok = bool(addresses) and addresses <= {"127.0.0.1", "127.0.0.2"}
    cli = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "verify-audit"],
        cwd=ROOT,
        env=facts["env"],
        capture_output=True,
        text=True,
        check=False,
    )
    said = (cli.stdout + cli.stderr).strip().splitlines()
    ok = broken is None and addresses_ok and not not_addresses and cli.returncode == 0
    return ok, (
        f"{len(count)} entries, chain {'intact' if broken is None else f'BROKEN at {broken.id}'}; "
        f"failed sign-ins recorded from {len(addresses)} addresses ({', '.join(sorted(addresses)[:4])}...); "
        f"values that are no address: {len(not_addresses)}; "
        f"flask verify-audit exit {cli.returncode}: {said[-1] if said else ''}"
    )


def fill(rule: str, rng: random.Random) -> str:
    def value(match):
        if match.group(1) == "id":
            number = rng.choice([rng.randint(1, 80), 0, 2147483647, 2147483648, 2**63, 2**64, 10**20, "²", "١٢٣"])
            return urllib.parse.quote(str(number), safe="")
        return urllib.parse.quote(rng.choice(HOSTILE), safe="") or "x"

    return re.sub(r"<(?:(\w+):)?\w+>", value, rule)


def fuzz(port: int, facts: dict, browsers: dict, requests: int, rng: random.Random) -> tuple[int, int, dict]:
    sent, errors, statuses = 0, 0, {}
    tokens = {role: browser.csrf("/account") if role else browser.csrf() for role, browser in browsers.items()}
    assert all(tokens.values()), "no CSRF token found"
    for _ in range(requests):
        method, endpoint, rule = rng.choice(facts["routes"])
        if endpoint == "auth.sign_out" or (endpoint.endswith("_pdf") and rng.random() < 0.8):
            continue  # keep the sessions, and most of the slow PDF renders, out of the count
        role = rng.choice(list(browsers))
        browser = browsers[role]
        query = {rng.choice(QUERY_KEYS): rng.choice(HOSTILE) for _ in range(rng.randint(0, 2))}
        path = fill(rule, rng) + ("?" + urllib.parse.urlencode(query) if query else "")
        fields, files = [], []
        if method == "POST":
            if rng.random() < 0.9:
                fields.append(("csrf_token", tokens[role]))
            fields += [(rng.choice(FIELDS), rng.choice(HOSTILE)) for _ in range(rng.randint(0, 6))]
            if endpoint in ("evidence.new", "evidence.correct", "spreadsheets.import_plan") and rng.random() < 0.5:
                name = "file" if endpoint.startswith("spreadsheets") else "files"
                files.append(
                    (name, rng.choice(["a.pdf", "b.png", "../x.docx", "c.csv"]), os.urandom(rng.randint(0, 500)))
                )
        status, _, _ = browser.request(method, path, fields, files)
        sent += 1
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500:
            errors += 1
            print(f"  5xx: {status} {method} {path[:120]} as {role}")
    return sent, errors, statuses


REASON = re.compile(r'govuk-error-message">\s*<span[^>]*>[^<]*</span>\s*([^<]+)')
# Where a file can be uploaded: the form, the file field, who may, which of the files it takes, other fields.
UPLOAD_FORMS = [
    ("evidence", "agency_lead", (".pdf", ".png", ".jpg", ".docx", ".xlsx", ".csv", ".txt")),
    ("plan import", "admin", (".xlsx", ".csv")),
    ("report import", "admin", (".pdf", ".docx", ".txt")),
]


def upload_form(form: str, facts: dict, name: str) -> tuple[str, list, str]:
    if form == "evidence":
        fields = [("kind", "implementation"), ("title", f"Hostile {name}"), ("narrative", "x")]
        fields += [("relates_to", "1"), ("relates_to", "3"), ("relates_to", "2026")]
        return f"/actions/{facts['lead_action']}/evidence/new", fields, "files"
    if form == "plan import":
        return "/plans/import", [("check", "Check the file without importing")], "file"
    fields = [
        ("title", f"Hostile {name}"),
        ("child", "Child H"),
        ("boards", "milton-keynes"),
        ("incident_year", "2024"),
    ]
    return "/reviews/add", [*fields, ("review_type", "Child Safeguarding Practice Review")], "report"


def upload_hostile(port: int, facts: dict, browsers: dict) -> tuple[int, int]:
    """Each hostile file through each form that takes its type, with every other field right (so only the
    file can be refused); then a real PDF as evidence, which must be accepted, to show the form was right.
    A refusal must be a page with the reason in words: a redirect (saved), a 5xx or no reason is a failure."""
    from tests.evidence import pdf
    from tests.hostile.files import hostile_files

    tried = failed = 0
    files = hostile_files()
    for form, role, extensions in UPLOAD_FORMS:
        browser = browsers[role]
        for name, content in files.items():
            if not name.endswith(extensions):
                continue
            path, fields, field = upload_form(form, facts, name)
            fields = [("csrf_token", browser.csrf(path)), *fields]
            status, location, body = browser.request("POST", path, fields, [(field, name, content)])
            reasons = " / ".join(r.strip() for r in REASON.findall(body))
            tried += 1
            if status in (302, 303) or status >= 500 or "The selected" not in reasons:
                failed += 1
                print(f"  {form}: ACCEPTED or failed: {name} -> {status} {location} {reasons[:150]}")
            else:
                print(f"  {form}: refused {name}: {status} {reasons[:150]}")
    path, fields, field = upload_form("evidence", facts, "control.pdf")
    token = browsers["agency_lead"].csrf(path)
    status, _, _ = browsers["agency_lead"].request(
        "POST", path, [("csrf_token", token), *fields], [(field, "c.pdf", pdf())]
    )
    print(f"  control (a real PDF as evidence): {'accepted' if status == 302 else f'NOT ACCEPTED ({status})'}")
    failed += status != 302  # the form itself is wrong: the refusals above prove nothing
    return tried, failed


def lockout_check(port: int, facts: dict, config_name: str) -> tuple[bool, str]:
    email, _ = ROLES["victim"]
    secret = facts["secrets"].get("victim")
    attacker = Browser(port)
    if config_name == "production":  # behind one trusted proxy: each attacker address in X-Forwarded-For
        token = attacker.csrf()
        wrong = [("csrf_token", token), ("email", email), ("password", "wrong guess at the password")]
        codes = {}
        for n in range(12):
            for _ in range(11):
                status, _, _ = attacker.request("POST", "/sign-in", wrong, address=f"203.0.113.{n + 1}")
                codes[status] = codes.get(status, 0) + 1
        throttled = codes.get(429, 0)
        status, location = sign_in(Browser(port, "198.51.100.20"), email, secret, step=1)
        clean = signed_in(location)
        # From an address that failed once (under its own limit) the second factor still lets the person in.
        one = Browser(port, "192.0.2.77")
        one.request("POST", "/sign-in", [("csrf_token", one.csrf()), ("email", email), ("password", "nope")])
        time.sleep(31)  # codes are single-use: wait, then use the step after the one just used
        _, again = sign_in(one, email, secret, step=1)
        with_factor = signed_in(again)
        ok = throttled > 0 and clean and with_factor
        return ok, (
            f"132 wrong passwords from 12 addresses ({throttled} answered 429); the person then signed in from a "
            f"clean address: {'yes' if clean else 'NO'}; from an address that had failed, with the code: "
            f"{'yes' if with_factor else 'NO'}"
        )
    token = attacker.csrf()
    wrong = [("csrf_token", token), ("email", email), ("password", "wrong guess at the password")]
    for n in range(10):
        attacker.request("POST", "/sign-in", wrong, address=f"10.0.0.{n}")
    status, _, _ = attacker.request("POST", "/sign-in", wrong, address="10.9.9.9")
    # The person, from another real address (127.0.0.2 is another client on the loopback), is not locked out.
    answer, location = sign_in(Browser(port, source="127.0.0.2"), email, None)
    clean = signed_in(location)
    if not clean:
        print(f"  the person's sign-in from 127.0.0.2 answered {answer} {location}")
    ok = status == 429 and clean
    return ok, (
        f"no proxy trusted: 10 failures with forged X-Forwarded-For, the 11th with a new one got {status}; "
        f"the person then signed in from another address: {'yes' if clean else 'NO'}"
    )


MULTIPART_X = "multipart/form-data; boundary=x"


def raw_probes(browsers: dict, proxies: int) -> tuple[int, int]:
    """Requests no form would send: bytes that are not UTF-8, bodies that do not match their type, odd
    methods, forged cookies and hosts, forwarded addresses that are not addresses. Each as every role."""
    probes = [
        ("GET", "/actions/%FF", None, {}),
        ("GET", "/actions/%00", None, {}),
        ("GET", "/actions/18446744073709551616/evidence/new", None, {}),
        ("GET", "/reviews?page=%FF%FE&board=%C2%B2&agency=%D9%A1%D9%A2%D9%A3", None, {}),
        ("GET", "/sign-in?next=%0D%0ALocation:%20https://evil.example", None, {}),
        ("GET", "/sign-in?next=%00//evil.example", None, {}),
        ("GET", "/static/..%2f..%2fwsgi.py", None, {}),
        ("GET", "/reviews?" + "page=1&" * 500, None, {}),
        ("GET", "/reviews", None, {"Cookie": "session=" + "A" * 3000}),
        ("GET", "/reviews", None, {"Cookie": "session=.eJw.not.signed"}),
        ("GET", "/reviews", None, {"Host": "evil.example"}),
        ("GET", "/reviews", None, {"Accept-Language": "\x00" * 10, "Range": "bytes=999999999999999999999-"}),
        ("POST", "/sign-in", b"email=%FF%FE&password=\xff\x00", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", "/sign-in", b'{"email": "a"}', {"Content-Type": "application/json"}),
        ("POST", "/sign-in", b"--x\r\nnot a part", {"Content-Type": "multipart/form-data"}),
        ("POST", "/sign-in", b"--x\r\nContent-Disposition: form-data; name=", {"Content-Type": MULTIPART_X}),
        ("PUT", "/reviews", b"x", {}),
        ("DELETE", "/actions/1", None, {}),
        ("PATCH", "/actions/1", b"{}", {}),
        ("OPTIONS", "/sign-in", None, {}),
        ("HEAD", "/reviews", None, {}),
    ]  # fmt: skip
    if proxies:
        for forwarded in ("x" * 100, "not an address", "1.2.3.4, ::::", "256.1.1.1", "::1%eth0"):
            probes.append(("POST", "/sign-in", b"email=a%40b.invalid&password=x", {
                "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": forwarded}))  # fmt: skip
    sent = errors = 0
    for role, browser in browsers.items():
        for method, path, body, headers in probes:
            own = Browser(browser.port, None if "X-Forwarded-For" in headers else browser.address)
            own.cookies = {} if "Cookie" in headers else dict(browser.cookies)
            status, _, _ = own.request(method, path, body=body, headers=headers)
            sent += 1
            if status >= 500:
                errors += 1
                print(f"  5xx: {status} {method} {path[:100]} {headers} as {role}")
    return sent, errors


def run(config_name: str, port: int, requests: int, seed: int, database: str | None) -> bool:
    rng = random.Random(seed)  # noqa: S311 - repeatable fuzzing, not secrets
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{config_name}-") as tmp:
        workdir = Path(tmp)
        database_url = database or f"sqlite:///{workdir / 'fuzz.sqlite3'}"
        proxies = 1 if config_name == "production" else 0
        facts = prepare(config_name, workdir, database_url, proxies)
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
            cwd=ROOT,
            env=facts["env"],
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the folder
        )
        try:
            for _ in range(100):
                try:
                    Browser(port).request("GET", "/sign-in")
                    break
                except OSError:
                    time.sleep(0.2)
            browsers = {None: Browser(port, "198.51.100.1")}
            for n, role in enumerate(("admin", "board_member", "agency_lead", "auditor")):
                browsers[role] = Browser(port, f"198.51.100.{n + 2}")
                # step=1: setting up two-factor sign-in used the code of the current step, and codes are single-use
                _, location = sign_in(browsers[role], ROLES[role][0], facts["secrets"].get(role), step=1)
                assert location and "/sign-in" not in location, f"could not sign in as {role}"
            # Uploads and the lock-out first: the fuzzing may reset or deactivate these very accounts.
            tried, accepted = upload_hostile(port, facts, browsers)
            lockout_ok, lockout = lockout_check(port, facts, config_name)
            started = time.monotonic()
            sent, errors, statuses = fuzz(port, facts, browsers, requests, rng)
            took = time.monotonic() - started
            raw_sent, raw_errors = raw_probes(browsers, proxies)
        finally:
            server.terminate()
            server.wait(timeout=30)
        log = (workdir / "gunicorn.log").read_text()
        tracebacks = log.count("Traceback")
        for found in re.finditer(r"Traceback", log):
            print("  traceback in the server log:\n" + log[max(0, found.start() - 300) : found.start() + 1500])
        history_ok, history = history_check(database_url, facts, config_name)
    print(f"== {config_name} (gunicorn, 2 workers, TRUSTED_PROXY_COUNT={proxies})")
    print(f"requests sent: {sent} in {took:.0f} s; 5xx: {errors}; by status: {dict(sorted(statuses.items()))}")
    print(f"malformed requests: {raw_sent} sent; 5xx: {raw_errors}")
    print(f"tracebacks in the server log: {tracebacks}")
    print(f"hostile uploads: {tried} tried, {accepted} accepted or failed")
    print(f"lock-out check: {'passed' if lockout_ok else 'FAILED'}: {lockout}")
    print(f"history check: {'passed' if history_ok else 'FAILED'}: {history}")
    return errors == 0 and raw_errors == 0 and accepted == 0 and lockout_ok and history_ok and not tracebacks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--port", type=int, default=5910)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--config", nargs="+", default=["production", "development"])
    arguments = parser.parse_args()
    database = os.environ.get("DATABASE_URL")  # read once: each run sets it for its own server
    results = [
        run(name, arguments.port + n, arguments.requests, arguments.seed, database)
        for n, name in enumerate(arguments.config)
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
