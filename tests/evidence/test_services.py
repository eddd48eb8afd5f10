"""The evidence rules: who may record it, when, what it must hold, versions, history and re-assurance."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tests.actions.helpers import plan_action
from tests.evidence import office, pdf
from tracker import clock
from tracker.actions import services as actions
from tracker.actions.models import Action
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.errors_domain import DomainError, NotPermitted
from tracker.evidence import services, storage
from tracker.evidence.filetypes import FileTypeRefused
from tracker.evidence.models import EvidenceFile, EvidenceItem
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review

RELATES_TO = date(2024, 3, 1)


@pytest.fixture(autouse=True)
def _own_storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_STORAGE_DIR", str(tmp_path))


@pytest.fixture
def people(users):
    return {
        role: db.session.execute(select(User).where(User.email == email)).scalar_one() for role, email in users.items()
    }


def police_action(review_ref: str = "mk-child-j") -> Action:
    return db.session.execute(
        select(Action)
        .join(Review)
        .join(Agency, Action.agency_id == Agency.id)
        .where(Review.ref == review_ref, Agency.key == "thames-valley-police")
        .order_by(Action.id)
        .limit(1)
    ).scalar_one()


def upload(content: bytes = b"", name: str = "training.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(content or pdf()), filename=name)


def add(actor, action, **overrides) -> EvidenceItem:
    fields = {
        "kind": "implementation",
        "title": "Training records",
        "narrative": "All sergeants trained on the new protocol.",
        "link": None,
        "relates_to": RELATES_TO,
        "uploads": [],
    }
    fields.update(overrides)
    return services.add_evidence(db.session, actor, action, **fields)


def history(action: Action, event: str) -> list[HistoryEntry]:
    return list(
        db.session.execute(
            select(HistoryEntry).where(
                HistoryEntry.object_type == "action", HistoryEntry.object_id == action.id, HistoryEntry.event == event
            )
        ).scalars()
    )


def stored_files(app) -> list:
    root = storage.storage_root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_lead_adds_evidence_with_files_and_one_history_entry(app, people):
    action = police_action()
    item = add(people["agency_lead"], action, uploads=[upload(), upload(office("xlsx"), "audit.xlsx")])

    assert item.version == 1 and item.supersedes_id is None and item.added_by_id == people["agency_lead"].id
    assert [f.original_name for f in item.files] == ["training.pdf", "audit.xlsx"]
    assert all(storage.path_for(f.storage_key).is_file() for f in item.files)
    assert item.digest == services.digest_of(
        "implementation",
        "Training records",
        "All sergeants trained on the new protocol.",
        None,
        RELATES_TO,
        [f.sha256 for f in item.files],
    )
    [entry] = history(action, "evidence.added")
    assert entry.after["item_id"] == item.id and entry.after["kind"] == "implementation"
    assert [f["sha256"] for f in entry.after["files"]] == [f.sha256 for f in item.files]
    assert "Training records" in entry.summary and "2 files" in entry.summary
    assert actions.current_evidence(db.session, action) == [item]


def test_a_narrative_or_a_link_alone_is_enough(app, people):
    action = police_action()
    assert add(people["agency_lead"], action, narrative=None, link="https://example.org/audit").files == []
    assert add(people["agency_lead"], action, kind="impact", link=None).kind == "impact"


@pytest.mark.parametrize("role", ["auditor", "board_member", "admin", "other_lead"])
def test_only_the_agency_responsible_records_evidence(app, people, role):
    action = police_action("bucks-baby-k")
    with pytest.raises(NotPermitted):
        add(people[role], action, uploads=[upload()])
    assert stored_files(app) == []
    assert db.session.execute(select(func.count()).where(EvidenceItem.action_id == action.id)).scalar() == 0


def test_evidence_is_frozen_while_the_board_reviews_it(app, people):
    action = police_action()
    action.status = "submitted"
    db.session.flush()
    with pytest.raises(DomainError, match="with the board for assurance"):
        add(people["agency_lead"], action, uploads=[upload()])
    assert stored_files(app) == []


def test_every_missing_field_is_reported_at_once(app, people):
    with pytest.raises(services.EvidenceInvalid) as refused:
        add(people["agency_lead"], police_action(), kind="", title=" ", narrative="", relates_to=None)
    assert refused.value.errors == {
        "kind": "Select the kind of evidence",
        "title": "Enter a title for this evidence",
        "relates_to": "Enter the date the evidence relates to",
        "narrative": "Describe the evidence, add a link or select a file",
    }


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,<script>", "ftp://example.org/x", "https://", "example.org"]
)
def test_links_must_be_web_links(app, people, link):
    with pytest.raises(services.EvidenceInvalid) as refused:
        add(people["agency_lead"], police_action(), link=link)
    assert refused.value.errors == {"link": services.MESSAGES["link"]}


def test_the_date_cannot_be_in_the_future(app, people, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2024, 6, 30))
    with pytest.raises(services.EvidenceInvalid) as refused:
        add(people["agency_lead"], police_action(), relates_to=date(2024, 7, 1))
    assert refused.value.errors == {"relates_to": "The date the evidence relates to must be today or in the past"}
    assert add(people["agency_lead"], police_action(), relates_to=date(2024, 6, 30)).relates_to == date(2024, 6, 30)


def test_text_with_control_characters_is_refused(app, people):
    with pytest.raises(services.EvidenceInvalid) as refused:
        add(people["agency_lead"], police_action(), title="Training\x00records", narrative="ok\x1b[31m")
    assert set(refused.value.errors) == {"title", "narrative"}


def test_one_refused_file_stores_none_of_them(app, people):
    with pytest.raises(FileTypeRefused):
        add(people["agency_lead"], police_action(), uploads=[upload(), upload(b"<svg/>", "chart.pdf")])
    assert stored_files(app) == []


def test_files_are_removed_when_the_transaction_is_rolled_back(app, people):
    item = add(people["agency_lead"], police_action(), uploads=[upload()])
    path = storage.path_for(item.files[0].storage_key)
    assert path.is_file()
    db.session.rollback()
    assert not path.exists() and stored_files(app) == []


def test_a_correction_is_a_new_version_and_the_old_one_is_kept(app, people):
    lead, action = people["agency_lead"], police_action()
    old = add(lead, action, uploads=[upload()])
    db.session.commit()
    old_file, old_digest = old.files[0], old.digest

    new = services.correct_evidence(
        db.session,
        lead,
        old,
        kind="implementation",
        title="Training records (all districts)",
        narrative=old.narrative,
        link=None,
        relates_to=RELATES_TO,
        keep_files=True,
        uploads=[upload(office("docx"), "protocol.docx")],
    )

    assert (new.version, new.supersedes_id) == (2, old.id)
    db.session.expire_all()
    old = db.session.get(EvidenceItem, old.id)
    assert (old.title, old.digest, old.version) == ("Training records", old_digest, 1)
    assert [f.id for f in old.files] == [old_file.id]
    assert [f.original_name for f in new.files] == ["training.pdf", "protocol.docx"]
    kept = new.files[0]
    assert kept.sha256 == old_file.sha256 and kept.storage_key != old_file.storage_key
    assert storage.path_for(kept.storage_key).read_bytes() == storage.path_for(old_file.storage_key).read_bytes()
    assert actions.current_evidence(db.session, action) == [new]
    [entry] = history(action, "evidence.corrected")
    assert entry.after["supersedes_id"] == old.id and entry.before["item_id"] == old.id

    with pytest.raises(DomainError, match="already been corrected"):
        services.correct_evidence(
            db.session,
            lead,
            old,
            kind="impact",
            title="Again",
            narrative="x",
            link=None,
            relates_to=RELATES_TO,
            keep_files=False,
        )


def test_a_correction_can_leave_the_files_out(app, people):
    lead = people["agency_lead"]
    old = add(lead, police_action(), uploads=[upload()])
    new = services.correct_evidence(
        db.session,
        lead,
        old,
        kind=old.kind,
        title=old.title,
        narrative=old.narrative,
        link=None,
        relates_to=old.relates_to,
        keep_files=False,
    )
    assert new.files == [] and len(old.files) == 1 and new.digest != old.digest


def test_a_correction_that_changes_nothing_is_refused(app, people):
    lead = people["agency_lead"]
    old = add(lead, police_action(), uploads=[upload()])
    with pytest.raises(services.EvidenceInvalid) as refused:
        services.correct_evidence(
            db.session,
            lead,
            old,
            kind=old.kind,
            title=old.title,
            narrative=old.narrative,
            link=None,
            relates_to=old.relates_to,
            keep_files=True,
        )
    assert "Change something" in refused.value.errors["title"]


def test_evidence_added_after_sign_off_sends_the_action_back_for_assurance(app, people):
    lead, action = people["agency_lead"], police_action()
    if action.status == "not_started":
        actions.change_status(db.session, lead, action, action.version, "in_progress")
    add(lead, action)
    plan_action(action, lead)
    actions.submit_for_assurance(db.session, lead, action, action.version, "Done")
    actions.decide(db.session, people["board_member"], action, action.version, accept=True, comments=None)
    assert action.status == "assured"

    add(lead, action, kind="impact", title="Case-file audit", relates_to=clock.today() - timedelta(days=1))

    assert action.status == "submitted"
    pending = actions.pending_submission(db.session, action)
    assert {e["title"] for e in pending.evidence} == {"Training records", "Case-file audit"}
    assert len(history(action, "evidence.added")) == 2


def test_a_download_writes_one_history_entry_on_the_action(app, people):
    action = police_action()
    item = add(people["agency_lead"], action, uploads=[upload()])
    stored = item.files[0]
    services.record_download(db.session, people["board_member"], stored)
    [entry] = history(action, "evidence.downloaded")
    assert entry.actor_id == people["board_member"].id
    assert entry.after["file_id"] == stored.id and entry.after["sha256"] == stored.sha256
    with pytest.raises(NotPermitted):
        services.record_download(db.session, people["other_lead"], stored)
    assert len(history(action, "evidence.downloaded")) == 1


def test_the_digest_follows_the_content_not_the_order_of_files():
    one = services.digest_of("impact", "Audit", None, None, RELATES_TO, ["a", "b"])
    assert one == services.digest_of("impact", "Audit", None, None, RELATES_TO, ["b", "a"])
    assert one != services.digest_of("impact", "Audit.", None, None, RELATES_TO, ["a", "b"])
    assert one != services.digest_of("impact", "Audit", None, None, RELATES_TO, ["a"])


def test_evidence_files_rows_match_what_was_stored(app, people):
    item = add(people["agency_lead"], police_action(), uploads=[upload(name="a\r\nb.pdf")])
    row = db.session.execute(select(EvidenceFile).where(EvidenceFile.item_id == item.id)).scalar_one()
    assert row.original_name == "ab.pdf" and row.content_type == "application/pdf" and row.size == len(pdf())
