"""The evidence pages through the test client: forms, limits, names, downloads, headers and the history."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import EnvironBuilder

from tests.evidence import office, pdf, png
from tracker.actions import services as actions
from tracker.actions.models import Action
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.config import Config
from tracker.evidence import services, storage
from tracker.evidence.models import EvidenceFile, EvidenceItem
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review

MB = 1024 * 1024
TOO_LARGE = "The selected file must be smaller than 25 MB"


@pytest.fixture(autouse=True)
def _own_storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_STORAGE_DIR", str(tmp_path / "evidence"))


def police_action(review_ref: str = "mk-child-j") -> Action:
    return db.session.execute(
        select(Action)
        .join(Review)
        .join(Agency, Action.agency_id == Agency.id)
        .where(Review.ref == review_ref, Agency.key == "thames-valley-police")
        .order_by(Action.id)
        .limit(1)
    ).scalar_one()


def user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def form(*files, **overrides) -> dict:
    data = {
        "kind": "implementation",
        "title": "Training records",
        "narrative": "All sergeants trained.",
        "link": "",
        "relates_to": ["1", "3", "2024"],
        "files": list(files),
    }
    data.update(overrides)
    return data


def a_file(content: bytes, name: str, content_type: str = "application/octet-stream"):
    return (io.BytesIO(content), name, content_type)


def stored_files() -> list:
    root = storage.storage_root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def items_of(action: Action) -> int:
    return db.session.execute(select(func.count()).where(EvidenceItem.action_id == action.id)).scalar()


def history(action: Action, event: str) -> list[HistoryEntry]:
    return list(
        db.session.execute(
            select(HistoryEntry).where(HistoryEntry.object_id == action.id, HistoryEntry.event == event)
        ).scalars()
    )


def add_through_the_page(client, action, *files, **overrides):
    return client.post(
        f"/actions/{action.id}/evidence/new", data=form(*files, **overrides), content_type="multipart/form-data"
    )


def post_large(client, action, *files):
    """Post a body big enough to spill to a temporary file, and close that file afterwards (the test client
    leaves it open when the app does not read it all)."""
    builder = EnvironBuilder(path=f"/actions/{action.id}/evidence/new", method="POST", data=form(*files))
    environ = builder.get_environ()
    builder.close()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()


# Recording evidence ---------------------------------------------------------------------------------------


def test_the_form_asks_for_each_part(signed_in):
    action = police_action()
    page = signed_in("agency_lead").get(f"/actions/{action.id}/evidence/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    for words in ("Evidence of implementation", "Evidence of impact", "Title", "Description", "Link"):
        assert words in page
    assert 'name="relates_to"' in page and 'id="relates_to-day"' in page
    assert 'type="file"' in page and "multiple" in page and "Up to 25 MB in total" in page


def test_a_lead_adds_evidence_with_files_and_goes_back_to_the_action(signed_in):
    client, action = signed_in("agency_lead"), police_action()
    response = add_through_the_page(
        client,
        action,
        a_file(pdf(), "training.pdf", "text/html"),
        a_file(office("docx"), "protocol.docx"),
        link="https://intranet.example.org/protocol",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/actions/{action.id}")
    item = db.session.execute(select(EvidenceItem).where(EvidenceItem.action_id == action.id)).scalar_one()
    assert item.relates_to == date(2024, 3, 1) and item.link == "https://intranet.example.org/protocol"
    # The content type comes from the allowlist, never from what the browser said.
    assert [(f.original_name, f.content_type) for f in item.files] == [
        ("training.pdf", "application/pdf"),
        ("protocol.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ]
    assert len(stored_files()) == 2
    assert len(history(action, "evidence.added")) == 1
    assert "Evidence added: Training records" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_errors_are_shown_on_the_form_and_nothing_is_saved(signed_in):
    client, action = signed_in("agency_lead"), police_action()
    response = add_through_the_page(client, action, kind="", title="", narrative="", relates_to=["", "", ""])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page
    for message in (
        "Select the kind of evidence",
        "Enter a title for this evidence",
        "Enter the date the evidence relates to",
        "Describe the evidence, add a link or select a file",
    ):
        assert message in page
    assert items_of(action) == 0


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["31", "2", "2024"], "must be a real date"),
        (["1", "", "2024"], "must include a month"),
        (["x", "3", "2024"], "must be a real date"),
    ],
)
def test_dates_are_checked_in_plain_words(signed_in, parts, message):
    response = add_through_the_page(signed_in("agency_lead"), police_action(), relates_to=parts)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_date_that_is_not_a_date_does_not_hide_the_other_problems(signed_in):
    response = add_through_the_page(
        signed_in("agency_lead"), police_action(), title="", link="javascript:alert(1)", relates_to=["1", "", "2024"]
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "must include a month" in page and "Enter a title for this evidence" in page
    assert "Enter a link that starts with https://" in page
    assert "Enter the date the evidence relates to" not in page


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("evil.pdf", b"<html><script>alert(1)</script></html>", "is not a PDF"),
        ("drawing.svg", b"<svg/>", "must be a PDF, Word"),
        ("macros.docm", office("docx", macros=True), "macro-enabled Word file"),
        ("hidden.docx", office("docx", vba_part=True), "contains macros"),
        ("binary.txt", b"a\x00b", "binary data"),
    ],
)
def test_refused_files_come_back_with_the_reason_and_leave_nothing(signed_in, caplog, name, content, reason):
    action = police_action()
    response = add_through_the_page(signed_in("agency_lead"), action, a_file(pdf(), "fine.pdf"), a_file(content, name))
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    assert stored_files() == [] and items_of(action) == 0
    assert any(name in record.getMessage() and reason in record.getMessage() for record in caplog.records)


def test_a_file_one_byte_over_the_limit_is_refused_and_leaves_nothing(signed_in):
    action = police_action()
    too_big = pdf().ljust(25 * MB + 1, b" ")
    response = post_large(signed_in("agency_lead"), action, a_file(too_big, "huge.pdf"))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert TOO_LARGE in page and "Add evidence" in page
    assert stored_files() == [] and items_of(action) == 0


def test_a_request_past_the_whole_limit_comes_back_as_the_form(app, signed_in, monkeypatch):
    client, action = signed_in("agency_lead"), police_action()
    # With CSRF protection on, as in production: the token cannot even be read from such a request.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = post_large(client, action, a_file(pdf().ljust(27 * MB), "huge.pdf"))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert TOO_LARGE in page and 'name="csrf_token"' in page and "Add evidence" in page
    assert "Enter a title" not in page  # only the reason it was refused, not the fields it could not read
    assert stored_files() == [] and items_of(action) == 0


def test_a_request_too_large_still_checks_who_is_asking(app, client, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    action = police_action()
    anonymous = add_through_the_page(client, action, a_file(pdf().ljust(4096), "big.pdf"))
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    other = add_through_the_page(signed_in("other_lead"), action, a_file(pdf().ljust(4096), "big.pdf"))
    assert other.status_code == 404 and "Page not found" in other.get_data(as_text=True)


def test_a_description_too_long_to_read_comes_back_as_the_form(app, signed_in, monkeypatch):
    client, action = signed_in("agency_lead"), police_action()
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", 1000)
    response = add_through_the_page(client, action, a_file(pdf(), "x.pdf"), narrative="word " * 1000)
    assert response.status_code == 413
    assert "Description must be 20,000 characters or fewer" in response.get_data(as_text=True)
    assert stored_files() == [] and items_of(action) == 0


def test_an_auditor_cannot_upload(signed_in):
    action = police_action("bucks-baby-k")
    client = signed_in("auditor")
    assert client.get(f"/actions/{action.id}/evidence/new").status_code == 403
    assert add_through_the_page(client, action, a_file(pdf(), "x.pdf")).status_code == 403
    assert stored_files() == [] and items_of(action) == 0


def test_evidence_is_refused_while_the_board_reviews_it(signed_in):
    action = police_action()
    action.status = "submitted"
    db.session.commit()
    client = signed_in("agency_lead")
    page = client.get(f"/actions/{action.id}/evidence/new").get_data(as_text=True)
    assert "with the board for assurance" in page and 'type="file"' not in page
    response = add_through_the_page(client, action, a_file(pdf(), "x.pdf"))
    assert response.status_code == 409
    assert stored_files() == [] and items_of(action) == 0


def test_a_failed_commit_leaves_no_file_and_no_traceback(signed_in, monkeypatch):
    client, action = signed_in("agency_lead"), police_action()

    def refuse():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", refuse)
    response = add_through_the_page(client, action, a_file(pdf(), "x.pdf"))
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
    assert stored_files() == []


# Names, downloads and headers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept", "disposition"),
    [
        ("../../x.pdf", "x.pdf", "attachment; filename=x.pdf"),
        ("报告.pdf", "报告.pdf", "attachment; filename=.pdf; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf"),
    ],
)
def test_odd_names_are_stored_safely_and_still_download(signed_in, sent, kept, disposition):
    client, action = signed_in("agency_lead"), police_action()
    assert add_through_the_page(client, action, a_file(pdf(), sent)).status_code == 302
    stored = db.session.execute(
        select(EvidenceFile).join(EvidenceItem).where(EvidenceItem.action_id == action.id)
    ).scalar_one()
    assert stored.original_name == kept
    [path] = stored_files()
    assert path == storage.path_for(stored.storage_key) and path.is_relative_to(storage.storage_root())
    response = client.get(f"/evidence/files/{stored.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == disposition
    assert response.data == pdf()


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        # Browsers escape these in a form's file names; a name that reached the database some other way
        # must still never break the header (werkzeug raises on CR/LF: a 500) or split it.
        ("a\r\nb.pdf", "attachment; filename=ab.pdf"),
        ("x\t\x1b.pdf", "attachment; filename=x.pdf"),
        ('quote"d; name.pdf', 'attachment; filename="quote\\"d; name.pdf"'),
        ("../../etc/passwd", "attachment; filename=passwd"),
    ],
)
def test_any_stored_name_downloads_with_a_safe_header(signed_in, name, disposition):
    client, action = signed_in("agency_lead"), police_action()
    add_through_the_page(client, action, a_file(pdf(), "x.pdf"))
    stored = db.session.execute(
        select(EvidenceFile).join(EvidenceItem).where(EvidenceItem.action_id == action.id)
    ).scalar_one()
    stored.original_name = name
    db.session.commit()
    response = client.get(f"/evidence/files/{stored.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == disposition


def test_a_download_is_an_attachment_with_safe_headers_and_one_history_entry(signed_in):
    client, action = signed_in("agency_lead"), police_action()
    add_through_the_page(client, action, a_file(png(), "chart.png", "text/html"))
    stored = db.session.execute(
        select(EvidenceFile).join(EvidenceItem).where(EvidenceItem.action_id == action.id)
    ).scalar_one()

    for _ in range(2):
        response = client.get(f"/evidence/files/{stored.id}")
        assert response.status_code == 200 and response.data == png()
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == "attachment; filename=chart.png"
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Content-Length"]) == len(png())
    entries = history(action, "evidence.downloaded")
    assert len(entries) == 2 and all(e.after["file_id"] == stored.id for e in entries)


def test_out_of_reach_downloads_are_not_found_and_not_recorded(signed_in, client, users):
    lead_client = signed_in("agency_lead")
    action = police_action()
    add_through_the_page(lead_client, action, a_file(pdf(), "x.pdf"))
    stored = db.session.execute(
        select(EvidenceFile).join(EvidenceItem).where(EvidenceItem.action_id == action.id)
    ).scalar_one()
    lead_client.post("/sign-out")
    other = signed_in("other_lead")
    assert other.get(f"/evidence/files/{stored.id}").status_code == 404
    assert other.get("/evidence/files/999999").status_code == 404
    assert history(action, "evidence.downloaded") == []


def test_stored_files_cannot_be_reached_as_static_files(app, signed_in):
    assert not Path(Config.EVIDENCE_STORAGE_DIR).resolve().is_relative_to(Path(app.static_folder).resolve())
    client, action = signed_in("agency_lead"), police_action()
    add_through_the_page(client, action, a_file(pdf(), "x.pdf"))
    key = db.session.execute(
        select(EvidenceFile.storage_key).join(EvidenceItem).where(EvidenceItem.action_id == action.id)
    ).scalar_one()
    assert client.get(f"/assets/{key[:2]}/{key}").status_code == 404
    assert client.get(f"/assets/../../instance/evidence/{key[:2]}/{key}").status_code == 404


# Corrections ----------------------------------------------------------------------------------------------


def test_a_correction_through_the_page_keeps_the_old_version(signed_in):
    client, action = signed_in("agency_lead"), police_action()
    add_through_the_page(client, action, a_file(pdf(), "training.pdf"))
    old = db.session.execute(select(EvidenceItem).where(EvidenceItem.action_id == action.id)).scalar_one()

    page = client.get(f"/evidence/{old.id}/correct").get_data(as_text=True)
    assert 'value="Training records"' in page and "training.pdf" in page and "version 1" in page

    response = client.post(
        f"/evidence/{old.id}/correct",
        data=form(a_file(png(), "chart.png"), title="Training records, all districts", keep_files="y"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    [new] = actions.current_evidence(db.session, action)
    assert (new.version, new.supersedes_id, new.title) == (2, old.id, "Training records, all districts")
    assert [f.original_name for f in new.files] == ["training.pdf", "chart.png"]
    assert db.session.get(EvidenceItem, old.id).title == "Training records"
    assert len(history(action, "evidence.corrected")) == 1
    # The old version can no longer be corrected.
    assert "already been corrected" in client.get(f"/evidence/{old.id}/correct").get_data(as_text=True)


# The list on the action page ------------------------------------------------------------------------------


def render_list(app, viewer: User, action: Action) -> str:
    with app.test_request_context():
        login_user(viewer)
        return render_template_string(
            '{% include "evidence/_list.html" %}',
            action=action,
            evidence_items=actions.current_evidence(db.session, action),
        )


def test_the_list_shows_each_kind_apart_with_files_and_versions(app, users):
    lead, member, action = user(users["agency_lead"]), user(users["board_member"]), police_action()

    def upload(content, name):
        return FileStorage(stream=io.BytesIO(content), filename=name)

    first = services.add_evidence(
        db.session,
        lead,
        action,
        kind="implementation",
        title="Protocol <script>alert(1)</script>",
        narrative="Line one\nLine two",
        link="https://example.org/protocol",
        relates_to=date(2024, 3, 1),
        uploads=[upload(pdf(), "protocol.pdf")],
    )
    services.correct_evidence(
        db.session,
        lead,
        first,
        kind="implementation",
        title="Protocol (corrected)",
        narrative="Line one",
        link="https://example.org/protocol",
        relates_to=date(2024, 3, 1),
        keep_files=True,
    )
    audit = services.add_evidence(
        db.session,
        lead,
        action,
        kind="impact",
        title="Case-file audit",
        narrative="Fewer repeat referrals.",
        link=None,
        relates_to=date(2024, 9, 1),
    )
    audit.link = "javascript:alert(1)"  # as if it had got past the service: never a link on the page

    page = render_list(app, lead, action)
    implementation, impact = page.split("Evidence of impact: what changed for children")
    assert "Protocol (corrected)" in implementation and "Case-file audit" in impact
    assert "Version 2 (corrects version 1)" in implementation and "Version 1" in impact
    assert "1 March 2024" in implementation and "1 September 2024" in impact
    sha = first.files[0].sha256
    # The file's fingerprint is there in full, explained, under "Technical details".
    technical = implementation.split("Technical details", 1)[1]
    assert sha in technical and "fingerprint" in technical and sha not in implementation.split("Technical details")[0]
    assert 'href="https://example.org/protocol"' in implementation
    assert 'href="javascript:' not in page and "javascript:alert(1)" in impact
    assert re.search(r'href="/evidence/files/\d+"', implementation)
    assert "Correct this evidence" in page and "Lead on" in page
    assert "<script>" not in page

    board_view = render_list(app, member, action)
    assert "Correct this evidence" not in board_view and "Protocol (corrected)" in board_view


def test_the_list_says_when_there_is_no_evidence(app, users):
    page = render_list(app, user(users["board_member"]), police_action())
    assert "No evidence of implementation yet." in page and "No evidence of impact yet." in page
