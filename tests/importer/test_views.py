"""The "Add a review" pages with the test client: upload, correct, split, merge, add, confirm."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from tracker.audit import HistoryEntry
from tracker.extensions import db
from tracker.importer.models import ReviewImport
from tracker.reviews.models import Review

SAMPLE = Path(__file__).parent / "samples" / "sar-wrapped.txt"
DETAILS = {
    "title": "Safeguarding Adults Review: Mr P",
    "child": "Mr P",
    "boards": "milton-keynes",
    "review_type": "Safeguarding Adults Review",
    "incident_year": "2021",
}


def upload(client, name="sar.txt", data=None, **extra):
    body = {**DETAILS, **extra, "report": (io.BytesIO(SAMPLE.read_bytes() if data is None else data), name)}
    return client.post("/reviews/add", data=body, content_type="multipart/form-data")


def drafts() -> int:
    return db.session.execute(select(func.count()).select_from(ReviewImport)).scalar_one()


def latest_draft() -> ReviewImport:
    return db.session.execute(select(ReviewImport).order_by(ReviewImport.id.desc()).limit(1)).scalar_one()


def test_the_form_is_offered_to_board_members(signed_in):
    page = signed_in("board_member").get("/reviews/add")
    assert page.status_code == 200
    assert "Add a review from its report" in page.text
    assert "Milton Keynes" in page.text and "Southampton" not in page.text  # only the member's own boards


def test_upload_keeps_a_draft_and_shows_the_proposals_beside_the_report(signed_in):
    client = signed_in("board_member")
    response = upload(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Check the proposals for Safeguarding Adults Review: Mr P" in page.text
    assert "Recommendation 1" in page.text and "Why: under the heading" in page.text
    assert 'id="block-' in page.text and "Show the passage in the report" in page.text
    uploaded = db.session.execute(select(HistoryEntry).where(HistoryEntry.event == "review_import.started")).scalars()
    assert [e.object_id for e in uploaded] == [latest_draft().id]
    # Nothing but the draft exists yet.
    assert db.session.execute(select(Review).where(Review.title == DETAILS["title"])).first() is None


def test_a_file_that_is_not_what_its_name_says_is_refused(signed_in):
    client = signed_in("board_member")
    before = drafts()
    response = upload(client, name="report.pdf", data=b"<html><script>x</script></html>")
    assert response.status_code == 422
    assert "not a PDF" in response.text and "There is a problem" in response.text
    assert drafts() == before


def test_a_report_over_the_size_limit_is_refused(app, signed_in):
    client = signed_in("board_member")
    app.config["EVIDENCE_MAX_FILE_BYTES"] = 100
    try:
        response = upload(client)
    finally:
        app.config.pop("EVIDENCE_MAX_FILE_BYTES")
    assert response.status_code == 422 and "smaller than" in response.text


def test_corrections_then_confirmation_create_the_review(signed_in):
    client = signed_in("board_member")
    upload(client)
    draft = latest_draft()
    recs, acts = draft.proposals["recommendations"], draft.proposals["actions"]
    form = {
        "rec-0-text": recs[0]["text"],
        "rec-0-ref": "R1",
        "rec-0-sub_points": "staff know where to find it",
        "step": "accept:rec:0",
    }
    assert client.post(f"/imports/{draft.id}", data=form).status_code == 302
    refused = client.post(f"/imports/{draft.id}/confirm", follow_redirects=True)
    assert "Accept or reject every proposal first" in refused.text
    client.post(f"/imports/{draft.id}", data={"step": "accept:rec:1"})
    for i, act in enumerate(acts):
        keep = act.get("agency_key") and "welfare checks" in act["text"]
        client.post(f"/imports/{draft.id}", data={"step": f"{'accept' if keep else 'reject'}:act:{i}"})
    confirmed = client.post(f"/imports/{draft.id}/confirm")
    assert confirmed.status_code == 302
    review = db.session.execute(select(Review).where(Review.title == DETAILS["title"])).scalar_one()
    assert [r.ref for r in review.recommendations] == ["R1", "2"]
    assert review.recommendations[0].sub_points == ["staff know where to find it"]
    assert len(review.actions) == 1 and "welfare checks" in review.actions[0].text
    events = db.session.execute(select(HistoryEntry.event).where(HistoryEntry.object_id == review.id)).scalars()
    assert {"review.seeded", "review.imported"} <= set(events)
    assert client.get(f"/reviews/{review.id}/report").status_code == 200  # the kept report, whole
    page = client.get(f"/recommendations/{review.recommendations[0].id}/report")
    assert page.status_code == 200 and 'id="passage"' in page.text and "Recommendation R1" in page.text
    # Confirmed once: the draft now leads to the review, and cannot be confirmed again.
    assert client.get(f"/imports/{draft.id}").headers["Location"].endswith(f"/reviews/{review.id}")


def test_split_merge_and_add_from_the_report(signed_in):
    client = signed_in("board_member")
    upload(client)
    draft = latest_draft()
    first = draft.proposals["recommendations"][0]["text"]
    client.post(
        f"/imports/{draft.id}", data={"rec-0-text": first.replace(" and that:", "\nand that:"), "step": "split:rec:0"}
    )
    db.session.refresh(draft)
    recs = draft.proposals["recommendations"]
    assert [r["ref"] for r in recs] == ["1", "1a", "2"] and recs[1]["text"] == "and that:"
    client.post(f"/imports/{draft.id}", data={"step": "merge:rec:0"})
    db.session.refresh(draft)
    assert draft.proposals["recommendations"][0]["text"].endswith("and that:")
    missing = client.post(f"/imports/{draft.id}/add", data={"text": "Words nowhere in the report", "which": "act"})
    assert missing.status_code == 422 and "not in the report" in missing.text
    added = client.post(
        f"/imports/{draft.id}/add",
        data={"text": "Staff were unsure how to raise concerns when Mr P declined care.", "which": "act"},
    )
    assert added.status_code == 302
    db.session.refresh(draft)
    assert draft.proposals["actions"][-1]["paragraphs"] == ["2.1.1"]
    assert draft.proposals["actions"][-1]["status"] == "accepted"


def test_someone_elses_draft_is_not_found(signed_in, users):
    member = signed_in("board_member")
    upload(member)
    draft = latest_draft()
    member.post("/sign-out")
    other = signed_in("agency_lead")
    assert other.get(f"/imports/{draft.id}").status_code == 404
