"""The plan out as Excel, CSV and JSON, for a board, a review or an agency the user may see."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from tracker import clock
from tracker.actions.models import Action
from tracker.audit import HistoryEntry
from tracker.auth.models import User
from tracker.extensions import db
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import Review

TODAY = date(2026, 1, 15)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _id(model, **key):
    return db.session.execute(select(model.id).filter_by(**key)).scalar_one()


def _review_actions(ref: str) -> list[Action]:
    return list(db.session.execute(select(Action).join(Review).where(Review.ref == ref).order_by(Action.id)).scalars())


def _workbook(client, **scope):
    response = client.post("/export/plan.xlsx", data={k: str(v) for k, v in scope.items()})
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response, openpyxl.load_workbook(io.BytesIO(response.data))


def test_the_excel_plan_has_one_row_per_action_a_frozen_header_filters_and_widths(signed_in):
    actions = _review_actions("mk-child-j")
    late, assured, embedded = actions[0], actions[1], actions[2]
    late.due_date, late.original_due_date = date(2025, 12, 1), date(2025, 10, 1)
    assured.status, assured.completed_on, assured.recheck_due = "assured", date(2025, 11, 3), date(2026, 5, 3)
    embedded.status = "embedded"
    db.session.flush()

    response, book = _workbook(signed_in("board_member"), review=_id(Review, ref="mk-child-j"))
    assert response.headers["Content-Disposition"] == 'attachment; filename="action-plan-review-mk-child-j.xlsx"'
    assert book.sheetnames == ["Actions", "Recommendations", "BRAG key"]
    sheet = book["Actions"]
    header = [cell.value for cell in sheet[1]]
    assert header == [
        "Review reference",
        "Review",
        "Boards",
        "Recommendation",
        "Recommendation text",
        "Agency",
        "Action ID",
        "Action",
        "Owner",
        "Due date",
        "Original due date",
        "Status",
        "BRAG",
        "Completed on",
        "Re-check due",
        "How success will be measured",
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:P{len(actions) + 1}"
    # XlsxWriter writes widths as Excel stores them: characters plus the cell padding (18 -> 18.71).
    assert int(sheet.column_dimensions["A"].width) == 18 and int(sheet.column_dimensions["H"].width) == 60
    assert sheet["H2"].alignment.wrap_text

    rows = {row[6]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {a.id for a in actions}
    first = rows[late.id]
    assert first[0] == "mk-child-j" and first[5] == late.agency.name and first[7] == late.text
    assert first[9] == datetime(2025, 12, 1) and first[10] == datetime(2025, 10, 1)  # real dates
    late_row = next(r for r in sheet.iter_rows(min_row=2) if r[6].value == late.id)
    assert late_row[9].number_format == "d mmm yyyy" and late_row[9].is_date
    assert (first[11], first[12]) == (late.status_enum.label, "Red")
    assert rows[assured.id][11:15] == ("Assured", "Green", datetime(2025, 11, 3), datetime(2026, 5, 3))
    assert rows[embedded.id][11:13] == ("Embedded", "Blue")

    key = list(book["BRAG key"].iter_rows(min_row=2, values_only=True))
    assert [label for label, _ in key] == [
        "Red",
        "No owner or due date",
        "No action set",
        "Amber",
        "Green",
        "Blue",
        "Not rated",
    ]
    recs = list(book["Recommendations"].iter_rows(min_row=2, values_only=True))
    review = db.session.execute(select(Review).where(Review.ref == "mk-child-j")).scalar_one()
    assert [r[2] for r in recs] == [rec.ref for rec in review.recommendations]


def test_excel_cells_cannot_become_formulas(signed_in):
    action = _review_actions("mk-child-j")[0]
    action.text = '=HYPERLINK("http://evil.example","click")'
    action.success_measure = "@SUM(1+1)"
    db.session.flush()
    _, book = _workbook(signed_in("board_member"), review=_id(Review, ref="mk-child-j"))
    sheet = book["Actions"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[6].value == action.id)
    assert row[7].value == '\'=HYPERLINK("http://evil.example","click")' and row[7].data_type == "s"
    assert row[15].value == "'@SUM(1+1)" and row[15].data_type == "s"
    assert not any(cell.data_type == "f" for r in sheet.iter_rows() for cell in r)


def test_characters_a_workbook_cannot_hold_are_dropped_rather_than_failing_the_download(signed_in):
    action = _review_actions("mk-child-j")[0]
    action.text = "Vertical\x0btab and bell\x07"
    db.session.flush()
    _, book = _workbook(signed_in("board_member"), review=_id(Review, ref="mk-child-j"))
    row = next(r for r in book["Actions"].iter_rows(min_row=2, values_only=True) if r[6] == action.id)
    assert row[7] == "Verticaltab and bell"


def test_everything_the_user_may_see_is_the_default(signed_in):
    response, book = _workbook(signed_in("agency_lead"))
    assert response.headers["Content-Disposition"] == 'attachment; filename="action-plan.xlsx"'
    refs = {row[0] for row in book["Recommendations"].iter_rows(min_row=2, values_only=True)}
    assert refs == {"bucks-baby-k", "bucks-child-aa", "mk-child-j", "northants-mk-child-m"}


def _csv(client, **scope) -> list[dict]:
    response = client.post("/export/plan.csv", data={k: str(v) for k, v in scope.items()})
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _json(client, **scope) -> dict:
    response = client.post("/export/plan.json", data={k: str(v) for k, v in scope.items()})
    assert response.status_code == 200
    return response.get_json()


def test_a_board_holds_that_boards_reviews(signed_in):
    client = signed_in("board_member")
    board = _id(Board, key="milton-keynes")
    rows = _csv(client, board=board)
    assert {row["review_ref"] for row in rows} == {"mk-child-j", "northants-mk-child-m"}
    assert {"status_label", "brag", "original_due_date", "completed_on", "recheck_due"} <= set(rows[0])
    data = _json(client, board=board)
    assert data["scope"] == {"kind": "board", "name": "Milton Keynes Safeguarding Children Board"}
    assert {review["ref"] for review in data["reviews"]} == {"mk-child-j", "northants-mk-child-m"}
    _, book = _workbook(client, board=board)
    assert {row[0] for row in book["Actions"].iter_rows(min_row=2, values_only=True)} == {
        "mk-child-j",
        "northants-mk-child-m",
    }


def test_a_review_holds_its_recommendations_and_actions(signed_in):
    client = signed_in("auditor")
    review_id = _id(Review, ref="bucks-baby-k")
    rows = _csv(client, review=review_id)
    assert {row["review_ref"] for row in rows} == {"bucks-baby-k"}
    assert {int(row["action_id"]) for row in rows if row["action_id"]} == {
        a.id for a in _review_actions("bucks-baby-k")
    }
    data = _json(client, review=review_id)
    assert [review["ref"] for review in data["reviews"]] == ["bucks-baby-k"]
    action = data["reviews"][0]["recommendations"][0]["actions"] or data["reviews"][0]["agency_actions"]
    assert {"status_label", "brag", "original_due_date", "completed_on", "recheck_due"} <= set(action[0])


def test_an_agency_holds_only_its_actions_on_the_reviews_the_user_may_see(signed_in):
    tvp = _id(Agency, key="thames-valley-police")
    lead_rows = _csv(signed_in("agency_lead"), agency=tvp)
    assert lead_rows and {row["agency"] for row in lead_rows} == {"Thames Valley Police"}
    everything = {a.id for a in db.session.execute(select(Action).where(Action.agency_id == tvp)).scalars()}
    assert {int(row["action_id"]) for row in lead_rows} == everything


def test_an_agency_seen_by_an_auditor_holds_only_their_boards_reviews(signed_in):
    tvp = _id(Agency, key="thames-valley-police")
    auditor = _json(signed_in("auditor"), agency=tvp)
    assert {review["ref"] for review in auditor["reviews"]} == {"bucks-baby-k"}
    agencies = {
        a["agency"]
        for review in auditor["reviews"]
        for group in [*(r["actions"] for r in review["recommendations"]), review["agency_actions"]]
        for a in group
    }
    assert agencies == {"Thames Valley Police"}


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("auditor", {"review": ("mk-child-j",)}),
        ("board_member", {"board": ("buckinghamshire",)}),
        ("agency_lead", {"agency": ("southampton-city-council-childrens-social-care",)}),
        ("other_lead", {"agency": ("thames-valley-police",)}),
        ("board_member", {"review": ("southampton-child-i-and-m",)}),
    ],
)
@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_a_scope_out_of_reach_is_not_found_and_not_recorded(signed_in, role, scope, fmt):
    (kind, (key,)) = next(iter(scope.items()))
    model, column = {"review": (Review, "ref"), "board": (Board, "key"), "agency": (Agency, "key")}[kind]
    client = signed_in(role)
    last = db.session.execute(select(HistoryEntry.id).order_by(HistoryEntry.id.desc()).limit(1)).scalar()
    response = client.post(f"/export/plan.{fmt}", data={kind: str(_id(model, **{column: key}))})
    assert response.status_code == 404
    assert client.get(f"/export?{kind}={_id(model, **{column: key})}").status_code == 404
    assert db.session.execute(select(HistoryEntry.id).order_by(HistoryEntry.id.desc()).limit(1)).scalar() == last


def test_a_scope_must_be_one_id(signed_in):
    client = signed_in("admin")
    board, review = _id(Board, key="milton-keynes"), _id(Review, ref="mk-child-j")
    assert client.post("/export/plan.csv", data={"board": board, "review": review}).status_code == 400
    assert client.post("/export/plan.csv", data={"board": "milton-keynes"}).status_code == 404
    assert client.post("/export/plan.csv", data={"review": "999999"}).status_code == 404


def test_each_download_is_recorded_with_its_scope(signed_in):
    client = signed_in("board_member")
    review_id = _id(Review, ref="mk-child-j")
    client.post("/export/plan.xlsx", data={"review": review_id})
    entry = db.session.execute(select(HistoryEntry).order_by(HistoryEntry.id.desc()).limit(1)).scalar_one()
    assert entry.event == "export.plan"
    assert (entry.object_type, entry.object_id) == ("review", review_id)
    assert entry.after == {"format": "xlsx", "scope": "review", "review": "mk-child-j"}
    assert entry.summary.startswith("Member exported the plan of ") and entry.summary.endswith(" as Excel")


def test_the_export_page_offers_the_scopes_the_user_may_see(signed_in):
    client = signed_in("auditor")
    page = client.get("/export").get_data(as_text=True)
    assert "Everything you can see" in page
    assert "Buckinghamshire Safeguarding Children Partnership" in page
    assert "Milton Keynes Safeguarding Children Board" not in page
    assert "Thames Valley Police" in page and "Southampton City Council Children" not in page
    review_id = _id(Review, ref="bucks-baby-k")
    chosen = client.get(f"/export?review={review_id}").get_data(as_text=True)
    assert f'<input type="hidden" name="review" value="{review_id}">' in chosen
    assert "Download as Excel (.xlsx)" in chosen and "Download as CSV" in chosen and "Download as JSON" in chosen


def test_no_action_without_an_owner_or_a_due_date_is_green_in_any_download(signed_in, users):
    """No false green in the Excel, CSV or JSON download: an action with no owner, or no due date, reads "No
    owner or due date", never Green; the same action dated and owned, on track, is Green."""
    actions = _review_actions("mk-child-j")
    assert {a.status for a in actions} <= {"not_started", "in_progress"}  # as seeded: none finished
    planned, undated, unowned = actions[0], actions[1], actions[2]
    owner = _id(User, email=users["agency_lead"])
    planned.owner_id, planned.due_date = owner, TODAY + timedelta(days=100)
    undated.owner_id, undated.due_date = owner, None
    unowned.owner_id, unowned.due_date = None, TODAY + timedelta(days=100)
    db.session.flush()

    client, review = signed_in("board_member"), _id(Review, ref="mk-child-j")
    _, book = _workbook(client, review=review)
    data = _json(client, review=review)["reviews"][0]
    in_json = [a for rec in data["recommendations"] for a in rec["actions"]] + data["agency_actions"]
    downloads = {
        "xlsx": {row[6]: row[12] for row in book["Actions"].iter_rows(min_row=2, values_only=True)},
        "csv": {int(r["action_id"]): r["brag"] for r in _csv(client, review=review) if r["action_id"]},
        "json": {a["id"]: a["brag"] for a in in_json},
    }
    for fmt, ratings in downloads.items():
        assert set(ratings) == {a.id for a in actions}, fmt
        assert ratings[planned.id] == "Green", fmt
        assert ratings[undated.id] == ratings[unowned.id] == "No owner or due date", fmt
        unplanned = [a.id for a in actions if a.owner_id is None or a.due_date is None]
        assert len(unplanned) >= 2 and all(ratings[i] != "Green" for i in unplanned), fmt
