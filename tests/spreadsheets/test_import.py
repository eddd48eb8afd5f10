"""Importing a plan: what is created, what is skipped, and every refusal, by row and column, with nothing saved."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from tests.spreadsheets.helpers import NEW_REF, counts, csv_bytes, new_review_rows, row, user, xlsx_bytes
from tracker.actions.models import Action
from tracker.audit import HistoryEntry
from tracker.errors_domain import NotPermitted
from tracker.evidence.storage import size_in_words
from tracker.extensions import db
from tracker.reviews.models import Recommendation, Review
from tracker.spreadsheets import services
from tracker.spreadsheets.columns import EXAMPLE_ROW, NAMES
from tracker.spreadsheets.problems import ImportRefused


def _import(actor_email, content: bytes, filename="plan.xlsx", **options):
    return services.import_plan(db.session, user(actor_email), filename, io.BytesIO(content), **options)


def _refused(actor_email, content: bytes, filename="plan.xlsx", **options) -> list[str]:
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        _import(actor_email, content, filename, **options)
    assert counts() == before, "nothing may be saved when a file is refused"
    return [str(problem) for problem in refused.value.problems]


def _review(ref=NEW_REF) -> Review:
    return db.session.execute(select(Review).where(Review.ref == ref)).scalar_one()


# What is created -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "build"), [("plan.xlsx", xlsx_bytes), ("plan.csv", csv_bytes)])
def test_a_new_review_is_created_with_its_recommendations_and_actions(users, filename, build):
    before = counts()
    result = _import(users["board_member"], build(new_review_rows()), filename)

    assert (result.reviews, result.recommendations, result.actions, result.skipped) == (1, 3, 3, 0)
    assert result.summary == "Created 1 review, 3 recommendations and 3 actions"
    review = _review()
    assert review.title == "Child Q: a Child Safeguarding Practice Review"
    assert (review.child, review.review_type, review.report_date) == (
        "Child Q",
        "Child Safeguarding Practice Review",
        date(2025, 6, 30),
    )
    assert [board.key for board in review.boards] == ["milton-keynes"]
    assert result.review_ids == (review.id,)

    recs = {rec.ref: rec for rec in review.recommendations}
    assert [rec.ref for rec in review.recommendations] == ["1", "2", "3"]
    assert recs["1"].kind == "multi_agency" and recs["1"].addressed_to == "all_agencies"
    assert sorted(theme.key for theme in recs["1"].themes) == ["information-sharing", "think-family"]
    assert recs["2"].kind == "board" and recs["2"].addressed_to == "board" and recs["2"].actions == []
    assert recs["3"].addressed_to == "agency" and recs["3"].agency.key == "thames-valley-police"

    first, second = recs["1"].actions
    assert first.agency.key == "thames-valley-police" and first.owner.email == "lead@test.invalid"
    assert first.due_date == first.original_due_date == date(2027, 3, 31)
    assert first.success_measure == "Information shared in at least 18 of the 20 cases."
    assert first.status == "not_started"
    assert second.agency.key == "milton-keynes-childrens-social-care" and second.due_date == date(2027, 6, 30)
    assert second.owner is None

    after = counts()
    assert (after["reviews"], after["recommendations"], after["actions"]) == (
        before["reviews"] + 1,
        before["recommendations"] + 3,
        before["actions"] + 3,
    )
    # One history entry for each thing created, and one for the import.
    assert after["history"] == before["history"] + 1 + 3 + 3 + 1
    events = db.session.execute(
        select(HistoryEntry.event).order_by(HistoryEntry.id.desc()).limit(after["history"] - before["history"])
    ).scalars()
    assert sorted(events) == sorted(
        ["review.imported"] + ["recommendation.imported"] * 3 + ["action.created"] * 3 + ["plan.imported"]
    )
    last = db.session.execute(select(HistoryEntry).order_by(HistoryEntry.id.desc()).limit(1)).scalar_one()
    assert last.event == "plan.imported" and last.actor_label == users["board_member"]
    assert last.after["file"] == filename and last.after["created"] == {
        "reviews": 1,
        "recommendations": 3,
        "actions": 3,
    }


def test_importing_the_same_file_twice_creates_nothing_twice(users):
    content = xlsx_bytes(new_review_rows())
    _import(users["board_member"], content)
    before = counts()

    again = _import(users["board_member"], content)
    as_csv = _import(users["board_member"], csv_bytes(new_review_rows()), "plan.csv")

    for result in (again, as_csv):
        assert (result.reviews, result.recommendations, result.actions, result.skipped) == (0, 0, 0, 4)
        assert result.summary == "Nothing new: all 4 rows are already in the tracker"
    after = counts()
    assert {k: after[k] for k in ("reviews", "recommendations", "actions")} == {
        k: before[k] for k in ("reviews", "recommendations", "actions")
    }
    assert after["history"] == before["history"] + 2  # the two imports themselves


def test_rows_add_to_a_review_already_in_the_tracker_and_skip_what_is_there(users):
    review = _review("mk-child-j")
    rec = next(r for r in review.recommendations if r.actions)
    existing = rec.actions[0]
    last_position = max(r.position for r in review.recommendations)
    rows = [
        # A new action on an existing recommendation: the review's and recommendation's details left empty.
        row(
            review_ref="mk-child-j",
            recommendation_ref=rec.ref,
            agency="thames-valley-police",
            action_text="Brief every officer on the review's findings.",
            due_date="2027-01-31",
        ),
        # A new recommendation on the existing review, with the review's details given exactly as they are.
        row(
            review_ref="mk-child-j",
            review_title=review.title,
            recommendation_ref="99",
            recommendation_text="A further recommendation.",
            recommendation_kind="multi_agency",
        ),
    ]
    # An action already in the tracker (the same recommendation, agency and words) is skipped.
    rows.append(
        row(review_ref="mk-child-j", recommendation_ref=rec.ref, agency=existing.agency.key, action_text=existing.text)
    )

    result = _import(users["board_member"], xlsx_bytes(rows))

    assert (result.reviews, result.recommendations, result.actions) == (0, 1, 1)
    assert result.skipped == 1
    assert result.summary == "Created 1 recommendation and 1 action; skipped 1 row already in the tracker"
    assert result.review_ids == (review.id,)
    added = db.session.execute(
        select(Action).where(Action.text == "Brief every officer on the review's findings.")
    ).scalar_one()
    assert added.recommendation_id == rec.id and added.review_id == review.id
    new_rec = db.session.execute(
        select(Recommendation).where(Recommendation.review_id == review.id, Recommendation.ref == "99")
    ).scalar_one()
    assert new_rec.position == last_position + 1


def test_a_dry_run_saves_nothing_and_says_what_it_would_create(users):
    before = counts()
    result = _import(users["board_member"], xlsx_bytes(new_review_rows()), dry_run=True)
    db.session.rollback()
    assert result.summary == "Would create 1 review, 3 recommendations and 3 actions"
    assert counts() == before


def test_an_admin_may_import_into_any_board(users):
    rows = new_review_rows()
    rows[0]["board"] = "Southampton Local Safeguarding Children Board"  # by its full name
    rows[0]["owner_email"] = ""
    result = _import(users["admin"], xlsx_bytes(rows))
    assert result.reviews == 1
    assert [board.key for board in _review().boards] == ["southampton"]


@pytest.mark.parametrize("role", ["agency_lead", "auditor", "other_lead"])
def test_only_board_members_and_admins_may_import(users, role):
    before = counts()
    with pytest.raises(NotPermitted):
        _import(users[role], xlsx_bytes(new_review_rows()))
    assert counts() == before


def test_dates_may_be_date_cells_or_uk_dates(users):
    rows = new_review_rows()
    rows[0]["report_date"] = date(2025, 6, 30)
    rows[0]["due_date"] = "31/03/2027"
    _import(users["board_member"], xlsx_bytes(rows))
    first = _review().recommendations[0].actions[0]
    assert _review().report_date == date(2025, 6, 30) and first.due_date == date(2027, 3, 31)


def test_a_merged_agency_is_found_by_its_old_key(users):
    from tracker.orgs.models import Agency

    old = db.session.execute(select(Agency).where(Agency.key == "child-j-gp-practice")).scalar_one()
    target = db.session.execute(select(Agency).where(Agency.key == "thames-valley-police")).scalar_one()
    old.merged_into_id = target.id
    db.session.flush()
    rows = new_review_rows()[:1]
    rows[0]["agency"] = "child-j-gp-practice"
    _import(users["board_member"], xlsx_bytes(rows))
    assert _review().recommendations[0].actions[0].agency_id == target.id


# Every refusal, by row and column ---------------------------------------------------------------------------

LONG = "x" * 301


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"review_ref": ""}, "Row 2, column review_ref: enter the review's reference, like mk-child-q"),
        (
            {"review_ref": "mk child q"},
            "Row 2, column review_ref: use only letters, digits, hyphens and dots, like mk-child-q",
        ),
        (
            {"review_title": LONG},
            "Row 2, column review_title: this is 301 characters long; it must be 300 characters or fewer",
        ),
        (
            {"board": "nowhere"},
            "Row 2, column board: there is no board called “nowhere”. Use a board's key, like milton-keynes",
        ),
        (
            {"board": "southampton"},
            "Row 2, column board: you are not a member of Southampton Local Safeguarding Children Board, so you "
            "cannot import a plan into it",
        ),
        ({"report_date": "30th June"}, "Row 2, column report_date: enter a date like 2027-03-31"),
        ({"due_date": "2027-02-30"}, "Row 2, column due_date: enter a date like 2027-03-31"),
        ({"due_date": "31/3/27"}, "Row 2, column due_date: enter a date like 2027-03-31"),
        (
            {"recommendation_ref": ""},
            "Row 2, column recommendation_ref: enter the recommendation's reference, like 1 or 3a",
        ),
        (
            {"recommendation_kind": "advice"},
            "Row 2, column recommendation_kind: enter board, multi_agency or single_agency",
        ),
        (
            {"addressed_to": "everyone"},
            "Row 2, column addressed_to: enter board, all_agencies, or the key or exact name of one agency",
        ),
        (
            {"themes": "information-sharing; cats; dogs"},
            "Row 2, column themes: the tracker has no theme called “cats”, “dogs”. Use the theme keys listed in the "
            "template",
        ),
        (
            {"agency": "Acme Ltd"},
            "Row 2, column agency: there is no agency called “Acme Ltd”. Use the agency's key or its name as the "
            "tracker has it",
        ),
        ({"agency": ""}, "Row 2, column agency: enter the agency responsible for this action"),
        (
            {"owner_email": "stranger@test.invalid"},
            "Row 2, column owner_email: no one working for Thames Valley Police has an account with this e-mail "
            "address. Leave it empty and assign the owner later, or ask an administrator to create their account "
            "first",
        ),
        (
            # Another agency's lead is not an owner this agency's action can have.
            {"owner_email": "other@test.invalid"},
            "Row 2, column owner_email: no one working for Thames Valley Police has an account with this e-mail "
            "address. Leave it empty and assign the owner later, or ask an administrator to create their account "
            "first",
        ),
        (
            {"action_text": ""},
            "Row 2, column action_text: enter what will be done, or leave agency, owner_email, due_date, "
            "success_measure empty for a recommendation only",
        ),
        ({"review_title": ""}, "Row 2, column review_title: review mk-child-q is new: enter its title"),
        (
            {"child": ""},
            "Row 2, column child: review mk-child-q is new: enter how the report names the child, like Child Q",
        ),
        (
            {"review_type": ""},
            "Row 2, column review_type: review mk-child-q is new: enter the kind of review, like Serious Case Review",
        ),
        ({"board": ""}, "Row 2, column board: review mk-child-q is new: enter the board's key, like milton-keynes"),
        ({"recommendation_text": ""}, "Row 2, column recommendation_text: recommendation 1 is new: enter its words"),
        (
            {"recommendation_kind": ""},
            "Row 2, column recommendation_kind: recommendation 1 is new: enter board, multi_agency or single_agency",
        ),
        (
            {"action_text": "x" * 4001},
            "Row 2, column action_text: this is 4,001 characters long; it must be 4,000 characters or fewer",
        ),
    ],
)
def test_each_problem_is_named_by_row_and_column(users, changes, expected):
    rows = new_review_rows()
    rows[0].update(changes)
    problems = _refused(users["board_member"], xlsx_bytes(rows))
    assert expected in problems


def test_a_single_agency_recommendation_needs_its_agency(users):
    rows = [
        row(
            **{
                k: v
                for k, v in new_review_rows()[0].items()
                if k not in ("agency", "action_text", "owner_email", "due_date", "success_measure")
            }
            | {"recommendation_kind": "single_agency"}
        )
    ]
    assert _refused(users["board_member"], xlsx_bytes(rows)) == [
        "Row 2, column addressed_to: recommendation 1 is new and single-agency: enter the agency it is addressed "
        "to, or give the row an agency"
    ]


def test_rows_of_one_review_or_recommendation_must_agree(users):
    rows = new_review_rows()
    rows[1]["review_title"] = "Another title"
    rows[1]["recommendation_text"] = "Different words."
    problems = _refused(users["board_member"], xlsx_bytes(rows))
    assert problems == [
        "Row 3, column review_title: this differs from row 2 for review mk-child-q. Give the same, or leave it empty",
        "Row 3, column recommendation_text: this differs from row 2 for recommendation 1. Give the same, or leave it "
        "empty",
    ]


def test_an_action_given_twice_in_one_file_is_refused(users):
    rows = [
        *new_review_rows(),
        row(
            review_ref=NEW_REF,
            recommendation_ref="1",
            **{
                "agency": "Thames Valley Police",
                "action_text": "Audit  20 cases where a family moved area.",  # the same words, spaced differently
            },
        ),
    ]
    assert _refused(users["board_member"], xlsx_bytes(rows)) == [
        "Row 6, column action_text: row 2 has the same action (recommendation, agency and words). Keep one"
    ]


def test_an_existing_review_or_recommendation_is_not_changed_by_an_import(users):
    review = _review("mk-child-j")
    rec = review.recommendations[0]
    rows = [
        row(review_ref="mk-child-j", review_title="A new title", recommendation_ref=rec.ref, board="buckinghamshire"),
        row(review_ref="mk-child-j", recommendation_ref=rec.ref, recommendation_text="Other words."),
    ]
    assert _refused(users["board_member"], xlsx_bytes(rows)) == [
        "Row 2, column review_title: the tracker already has review mk-child-j, with a different title. Leave it "
        "empty to add to that review",
        "Row 2, column board: review mk-child-j belongs to Milton Keynes Safeguarding Children Board. Leave it empty "
        "to add to that review",
        f"Row 3, column recommendation_text: recommendation {rec.ref} of review mk-child-j is already in the tracker "
        "with a different wording. Leave it empty to add actions to it",
    ]


@pytest.mark.parametrize("ref", ["southampton-child-i-and-m", "bucks-baby-k"])
def test_a_review_of_another_board_cannot_be_added_to_and_nothing_more_is_said_of_it(users, ref):
    rows = [
        row(review_ref=ref, recommendation_ref="1", recommendation_text="Anything", agency="smart", action_text="x"),
        row(review_ref=ref, recommendation_ref="nope", recommendation_kind="nonsense"),
    ]
    problems = _refused(users["board_member"], xlsx_bytes(rows))
    # Only the refusal (and the kind's own format): nothing about the review's recommendations or details.
    assert problems == [
        f"Row 2, column review_ref: the tracker already has a review {ref} and you are not a member of its board, so "
        "you cannot add to it. Use another reference for a new review",
        "Row 3, column recommendation_kind: enter board, multi_agency or single_agency",
    ]


def test_every_problem_in_the_file_is_listed_at_once_and_nothing_is_saved(users):
    rows = [*new_review_rows(), row(review_ref="mk-child-r", recommendation_ref="1", due_date="soon")]
    rows[0]["due_date"] = "next year"
    rows[2]["themes"] = "nonsense"
    problems = _refused(users["board_member"], xlsx_bytes(rows))
    assert problems[0] == "Row 2, column due_date: enter a date like 2027-03-31"
    assert problems[1].startswith("Row 4, column themes: the tracker has no theme called “nonsense”")
    assert "Row 6, column due_date: enter a date like 2027-03-31" in problems
    assert "Row 6, column review_title: review mk-child-r is new: enter its title" in problems
    assert db.session.execute(select(Review).where(Review.ref == NEW_REF)).scalar_one_or_none() is None


def test_the_templates_example_row_is_not_imported(users):
    problems = _refused(users["board_member"], xlsx_bytes([EXAMPLE_ROW, *new_review_rows()]))
    assert problems == ["Row 2: this is the template's example row. Replace it with your plan, or delete it"]


# The file itself --------------------------------------------------------------------------------------------


def _xlsx_with(cells: dict[str, object]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(new_review_rows())))
    for reference, value in cells.items():
        book["Plan"][reference] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_formula_cells_are_refused_and_never_evaluated(users):
    due = NAMES.index("due_date") + 1
    due_cell = openpyxl.utils.get_column_letter(due) + "2"
    text_cell = openpyxl.utils.get_column_letter(NAMES.index("action_text") + 1) + "3"
    problems = _refused(users["board_member"], _xlsx_with({due_cell: "=TODAY()+30", text_cell: '=HYPERLINK("x")'}))
    assert problems == [
        "Row 2, column due_date: this cell holds a formula (=TODAY()+30). Type the value itself instead of a formula",
        'Row 3, column action_text: this cell holds a formula (=HYPERLINK("x")). Type the value itself instead of a '
        "formula",
    ]


def test_error_values_and_control_characters_are_refused(users):
    measure = openpyxl.utils.get_column_letter(NAMES.index("success_measure") + 1)
    assert _refused(users["board_member"], _xlsx_with({f"{measure}2": "#N/A"})) == [
        "Row 2, column success_measure: this cell shows an error (#N/A). Type the value itself"
    ]
    rows = new_review_rows()
    rows[1]["success_measure"] = "page\x0cbreak"  # a form feed: text, but nothing a plan should hold
    assert _refused(users["board_member"], csv_bytes(rows), "plan.csv") == [
        "Row 3, column success_measure: this cell holds characters that cannot be stored (control characters). "
        "Type the text again"
    ]


def test_csv_cells_that_would_be_formulas_are_refused(users):
    rows = new_review_rows()
    rows[1]["action_text"] = "=1+1"
    assert _refused(users["board_member"], csv_bytes(rows), "plan.csv") == [
        "Row 3, column action_text: this cell holds a formula (=1+1). Type the value itself instead of a formula"
    ]


def test_csv_saved_by_a_european_spreadsheet_is_read(users):
    """Semicolons between cells, and Windows text rather than UTF-8."""
    rows = new_review_rows()
    rows[0]["success_measure"] = "Costs under £500, agreed by the café's manager"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(NAMES)
    writer.writerows([[values[name] for name in NAMES] for values in rows])
    result = _import(users["board_member"], buffer.getvalue().encode("cp1252"), "plan.csv")
    assert result.actions == 3
    first = _review().recommendations[0].actions[0]
    assert first.success_measure == "Costs under £500, agreed by the café's manager"


def test_a_renamed_web_page_is_refused(users):
    page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    assert _refused(users["board_member"], page, "plan.csv") == [
        "The selected CSV file looks like a web page, image or script (HTML, SVG, XML), which cannot be accepted"
    ]
    assert _refused(users["board_member"], page, "plan.xlsx") == [
        "The selected file is not an Excel spreadsheet, although its name ends in .xlsx"
    ]


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("plan.pdf", b"%PDF-1.4", "The selected file must be an Excel spreadsheet (.xlsx) or a CSV file (.csv)"),
        ("plan.txt", b"review_ref", "The selected file must be an Excel spreadsheet (.xlsx) or a CSV file (.csv)"),
        (
            "plan.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "The selected file is in an old Excel format (.xls), which cannot be checked for macros. Save it as .xlsx "
            "and upload it again",
        ),
        ("plan.csv", b"", "The selected file is empty"),
        (
            "plan.csv",
            b",,,\n",
            "The selected file is empty, or its first row is empty. Start it with the template's header row",
        ),
    ],
)
def test_files_that_are_not_plans_are_refused(users, filename, content, expected):
    assert _refused(users["board_member"], content, filename) == [expected]


def test_a_zip_that_is_not_a_workbook_is_refused(users):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
    assert _refused(users["board_member"], buffer.getvalue()) == [
        "The selected file is not an Excel spreadsheet, although its name ends in .xlsx"
    ]


def test_a_file_over_the_size_limit_is_refused(users):
    content = xlsx_bytes(new_review_rows())
    assert _refused(users["board_member"], content, max_bytes=len(content) - 1) == [
        f"The selected file must be smaller than {size_in_words(len(content) - 1)}"
    ]


def test_a_file_over_the_row_limit_is_refused(users):
    rows = new_review_rows()
    assert _refused(users["board_member"], xlsx_bytes(rows), max_rows=len(rows) - 1) == [
        "The selected file has more than 3 rows of plan. Split it into smaller files"
    ]
    assert _import(users["board_member"], xlsx_bytes(rows), max_rows=len(rows)).actions == 3


def test_the_header_row_must_be_the_templates(users):
    header = [name for name in NAMES if name not in ("due_date", "themes")] + ["Due", "review ref"]
    assert _refused(users["board_member"], xlsx_bytes(new_review_rows(), header=header)) == [
        "Row 1: the header row has no column named themes, due_date. Use the template's header row",
        "Row 1, column O: “Due” is not one of the template's columns. Use the template's header row",
        "Row 1, column P: the column review_ref appears twice. Keep only one",
    ]


def test_a_header_without_rows_and_cells_outside_the_columns(users):
    assert _refused(users["board_member"], xlsx_bytes([])) == [
        "The selected file has a header row but no plan in it. Add a row for each action"
    ]
    outside = openpyxl.utils.get_column_letter(len(NAMES) + 2)
    assert _refused(users["board_member"], _xlsx_with({f"{outside}3": "stray"})) == [
        f"Row 3, column {outside}: this cell is outside the template's columns. Remove it"
    ]


def test_the_plan_sheet_is_found_by_name_or_the_first_sheet_is_read(users):
    assert _import(users["board_member"], xlsx_bytes(new_review_rows(), sheet="Sheet1")).actions == 3
