"""The evidence packs page: who may use it, what it offers, its errors, and the streamed download."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.packs.helpers import add_evidence, agency, members, pdf_file, people, police_action, review
from tracker import clock
from tracker.audit import HistoryEntry
from tracker.extensions import db
from tracker.orgs.models import Board
from tracker.packs.verify import verify_pack

MIB = 1024 * 1024


def _form(**fields) -> dict:
    form = {"scope": "review", "reason": "Annual audit of the plan"}
    form.update(fields)
    return form


def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _exports() -> int:
    return db.session.execute(
        select(func.count()).select_from(HistoryEntry).where(HistoryEntry.event == "pack.exported")
    ).scalar_one()


def test_the_page_offers_only_what_is_in_reach(signed_in):
    page = signed_in("auditor").get("/packs").get_data(as_text=True)
    assert "Evidence packs" in page and 'href="/packs"' in page  # the page, and its link in the menu
    assert review("bucks-baby-k").title in page and review("mk-child-j").title not in page
    assert "Buckinghamshire" in page and "Milton Keynes Safeguarding" not in page
    assert agency("thames-valley-police").name in page
    assert agency("southampton-city-council-childrens-social-care").name not in page


def test_agency_leads_may_not_export_packs_and_are_not_offered_the_link(signed_in):
    client = signed_in("agency_lead")
    assert client.get("/packs").status_code == 403
    assert 'href="/packs"' not in client.get("/reviews").get_data(as_text=True)


def test_an_auditor_downloads_a_streamed_pack_that_verifies(signed_in, users, tmp_path):
    cast = people(users)
    add_evidence(cast["agency_lead"], police_action("bucks-baby-k"), "Audit", [pdf_file("audit", "Audit.pdf")])
    db.session.commit()
    client = signed_in("auditor")
    before = _exports()

    response = client.post("/packs", data=_form(review=str(review("bucks-baby-k").id)), buffered=False)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="evidence-pack-review-bucks-baby-k-made-')
    body = b"".join(response.response)
    response.close()
    assert "Content-Length" not in response.headers  # the report is drawn while the evidence streams
    (tmp_path / "pack.zip").write_bytes(body)
    assert verify_pack(tmp_path / "pack.zip").ok
    assert any(name.endswith("Audit.pdf") for name in members(body))
    assert _exports() == before + 1
    entry = db.session.execute(select(HistoryEntry).order_by(HistoryEntry.id.desc()).limit(1)).scalar_one()
    assert entry.actor_label == "auditor@test.invalid" and entry.after["reason"] == "Annual audit of the plan"


def _bucks_board_form() -> dict:
    bucks = db.session.execute(select(Board).where(Board.key == "buckinghamshire")).scalar_one()
    return _form(scope="board", board=str(bucks.id), date_from=_date(date(2025, 1, 1)), date_to=_date(clock.today()))


def test_a_board_pack_with_dates(signed_in):
    response = signed_in("auditor").post("/packs", data=_bucks_board_form())
    assert response.status_code == 200
    info = members(response.data)["bag-info.txt"].decode()
    assert "Scope: board buckinghamshire" in info and "Date-From: 2025-01-01" in info


def test_a_board_out_of_reach_cannot_be_chosen(signed_in):
    response = signed_in("board_member").post("/packs", data=_bucks_board_form())  # serves Milton Keynes only
    assert response.status_code == 422 and "Choose the board the pack is for" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"scope": ""}, "Choose what the pack should cover"),
        ({"scope": "everything"}, "Choose what the pack should cover"),
        ({"review": ""}, "Choose the review the pack is for"),
        ({"scope": "agency", "agency": "999999"}, "Choose the agency the pack is for"),
        ({"scope": "board", "board": "x"}, "Choose the board the pack is for"),
        ({"reason": ""}, "Enter why you need this evidence pack"),
        ({"reason": "x" * 501}, "The reason must be 500 characters or fewer"),
        ({"date_from": ["31", "2", "2025"]}, "From (optional) must be a real date"),
        (
            {"date_from": _date(date(2025, 6, 1)), "date_to": _date(date(2025, 1, 1))},
            "The end date must be the same as or after the start date",
        ),
        ({"date_to": _date(clock.today() + timedelta(days=1))}, "The end date must be today or in the past"),
    ],
)
def test_what_is_wrong_is_explained_and_nothing_is_exported(signed_in, fields, message):
    client = signed_in("auditor")
    before = _exports()
    form = _form(review=str(review("bucks-baby-k").id))
    form.update(fields)
    response = client.post("/packs", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert _exports() == before


def test_a_review_out_of_reach_cannot_be_chosen(signed_in):
    client = signed_in("auditor")
    response = client.post("/packs", data=_form(review=str(review("mk-child-j").id)))
    assert response.status_code == 422 and "Choose the review the pack is for" in response.get_data(as_text=True)


def test_streaming_a_pack_of_many_files_never_holds_them(signed_in, users):
    """Twenty 1 MiB files: the download comes in pieces of at most a megabyte, and the memory the stream
    takes stays a few megabytes while twenty pass through."""
    cast = people(users)
    action = police_action("bucks-baby-k")
    padding = MIB - 200
    for batch in range(4):
        uploads = [pdf_file(f"file {batch}-{n}", f"Record {batch}-{n}.pdf", padding) for n in range(5)]
        add_evidence(cast["agency_lead"], action, f"Records {batch}", uploads)
    db.session.commit()
    client = signed_in("auditor")

    # The response comes back before a byte of the ZIP is made: what follows is the stream alone.
    response = client.post("/packs", data=_form(review=str(review("bucks-baby-k").id)), buffered=False)
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        received, largest = 0, 0
        for chunk in response.response:
            received += len(chunk)
            largest = max(largest, len(chunk))
        response.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received > 20 * MIB
    assert largest <= MIB + 64 * 1024
    assert peak - before < 4 * MIB, f"the stream took {(peak - before) / MIB:.1f} MiB"


def test_the_page_shows_each_choice_revealed_by_its_radio_and_govuk_date_inputs(signed_in):
    page = signed_in("board_member").get("/packs").get_data(as_text=True)
    # Revealed by enhance.js, not GOV.UK's conditional reveal (which puts aria-expanded on the radios).
    for select_id, kind in (("board", "board"), ("review", "review"), ("agency", "agency")):
        assert f'id="{select_id}"' in page and f'data-app-reveal-when="scope={kind}"' in page
    assert "aria-expanded" not in page and "data-aria-controls" not in page
    assert 'id="date_from-day"' in page and 'id="date_to-day"' in page
