"""Property-based fuzzing of the whole app: every route in the URL map, every form, hostile values.

The routes are read from ``app.url_map`` and the form fields from every ``CleanTextForm`` subclass, so a new
route or form is fuzzed without editing this test. For each example Hypothesis picks a role (or nobody), a
route, values for its path arguments (ids in and out of range, text for tokens), query arguments and form
fields drawn from hostile and ordinary text, and sometimes a hostile file. No response may be a server error,
and the history must still verify afterwards. ``FUZZ_EXAMPLES`` sets the budget (small for CI; the larger
run against a real gunicorn is ``scripts/fuzz_server.py``).

PDF report routes are fuzzed through their argument parsing with ids that do not exist: rendering a real
report takes a second and is tested in tests/reports.
"""

from __future__ import annotations

import io
import os
import re
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import sign_in
from tracker import audit
from tracker.extensions import db
from tracker.ids import MAX_ID
from tracker.text import CleanTextForm

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
HOSTILE_TEXT = [
    "9223372036854775808",
    "99999999999999999999",
    str(MAX_ID + 1),
    "-1",
    "0",
    "1",
    "²",
    "١٢٣٤٥٦",
    "１２",
    "abc",
    "\x00",
    "a\x00b",
    "line\r\nSet-Cookie: x=1",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "javascript:alert(1)",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "2026-02-30",
    "31",
    '=HYPERLINK("http://evil")',
    "",
    " ",
    "x" * 5000,
    "\u202e\u200b\ufeff",
    "𝟙𝟚",
]
QUERY_KEYS = ["page", "board", "agency", "review", "status", "role", "active", "as_at", "next", "kind", "format"]
FILE_FIELDS = {"evidence.new": "files", "evidence.correct": "files", "spreadsheets.import_plan": "file"}
HOSTILE_FILES = [
    b"%PDF-1.7\n<html><script>alert(1)</script></html>",
    b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
    b"PK\x03\x04" + b"\x00" * 40,
    b"<svg onload=alert(1)>",
    b"a,b\n=cmd|' /C calc'!A0,2\n",
    b"\x00\x01\x02",
]
FILE_NAMES = ["report.pdf", "chart.png", "plan.xlsx", "notes.csv", "../../x.pdf", "a\r\nb.pdf", "报告.pdf", "x.docm"]
ROLES = [None, "admin", "board_member", "agency_lead", "auditor"]
# Routes that end the fuzzing client's own session; fuzzed, but only as someone who signs in again.
SELF_ENDING = {"auth.sign_out"}


def form_fields() -> list[str]:
    names, pending = set(), list(CleanTextForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name, _ in getattr(form, "_unbound_fields", None) or [])
        names.update(
            name for name in vars(form) if not name.startswith("_") and hasattr(vars(form)[name], "field_class")
        )
    return sorted(names | {"version", "next", "step", "item", "scope"})


def routes(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in ("GET", "POST"):
            if method in rule.methods:
                found.append((method, rule.endpoint, rule.rule))
    return sorted(found)


text = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
ids = st.one_of(st.integers(min_value=1, max_value=60), st.sampled_from([0, MAX_ID, MAX_ID + 1, 2**63, 10**20]))


def fill(rule: str, endpoint: str, draw) -> str:
    def value(match: re.Match) -> str:
        converter = match.group(1)
        if converter == "id":
            number = draw(ids)
            return str(number + 10**6 if endpoint.endswith("_pdf") else number)
        return quote(draw(text), safe="") or "x"

    return re.sub(r"<(?:(\w+):)?\w+>", value, rule)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def _fuzz_once(data, *, app, clients, fields, all_routes, failures, seen):
    method, endpoint, rule = data.draw(st.sampled_from(all_routes), label="route")
    role = data.draw(st.sampled_from(ROLES), label="role")
    client = clients[role]
    url = fill(rule, endpoint, data.draw)
    query = data.draw(st.dictionaries(st.sampled_from(QUERY_KEYS), text, max_size=3), label="query")
    if method == "GET":
        response = client.get(url, query_string=query)
    else:
        form = data.draw(
            st.dictionaries(st.sampled_from(fields), st.one_of(text, st.lists(text, max_size=3)), max_size=6),
            label="form",
        )
        if endpoint in FILE_FIELDS and data.draw(st.booleans(), label="with a file"):
            content = data.draw(st.one_of(st.sampled_from(HOSTILE_FILES), st.binary(max_size=300)), label="file")
            form[FILE_FIELDS[endpoint]] = (io.BytesIO(content), data.draw(st.sampled_from(FILE_NAMES)))
        response = client.post(url, query_string=query, data=form, content_type="multipart/form-data")
    status = response.status_code
    response.close()
    seen[status] = seen.get(status, 0) + 1
    if status >= 500:
        failures.append(f"{method} {url} {query} as {role}: {status}")
    if endpoint in SELF_ENDING and role:
        sign_in(client, app.config["FUZZ_USERS"][role])


def test_no_input_gets_a_server_error_and_the_history_still_verifies(app, users, monkeypatch):
    monkeypatch.setitem(app.config, "FUZZ_USERS", users)
    clients = {None: app.test_client()}
    for role in ROLES[1:]:
        clients[role] = app.test_client()
        assert sign_in(clients[role], users[role]).status_code == 302
    failures: list[str] = []
    seen: dict[int, int] = {}
    _fuzz_once(app=app, clients=clients, fields=form_fields(), all_routes=routes(app), failures=failures, seen=seen)
    print(f"fuzzed {sum(seen.values())} requests, by status: {dict(sorted(seen.items()))}")  # shown with -s
    assert not failures, "\n".join(failures[:20])
    assert len(seen) > 3  # pages, redirects, refusals and not-founds: the fuzzing reached the app
    assert audit.verify_chain(db.session) is None


def test_every_route_and_form_is_in_the_fuzzed_set(app):
    endpoints = {endpoint for _, endpoint, _ in routes(app)}
    assert {"actions.show", "evidence.new", "people.index", "auth.sign_in_code"} <= endpoints
    assert {"success_measure", "owner", "code", "email", "files"} <= set(form_fields())
