"""The "Import a plan" page, its templates and the command line."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
from sqlalchemy import select

from tests.spreadsheets.helpers import NEW_REF, counts, csv_bytes, new_review_rows, xlsx_bytes
from tracker.extensions import db
from tracker.reviews.models import Review
from tracker.spreadsheets.columns import EXAMPLE_ROW, NAMES


def _upload(client, content: bytes, filename: str, button: str = "submit"):
    return client.post(
        "/plans/import",
        data={"file": (io.BytesIO(content), filename), button: "yes"},
        content_type="multipart/form-data",
    )


def _new_review():
    return db.session.execute(select(Review).where(Review.ref == NEW_REF)).scalar_one_or_none()


def test_the_page_documents_every_column_and_offers_the_templates(signed_in):
    page = signed_in("board_member").get("/plans/import").get_data(as_text=True)
    assert "Import a plan" in page
    for name in NAMES:
        assert f"<code>{name}</code>" in page
    assert "/plans/import/template.xlsx" in page and "/plans/import/template.csv" in page
    assert "smaller than 5 MB" in page and "5,000 rows" in page


def test_the_navigation_links_to_the_page_only_for_those_who_may_import(signed_in):
    assert 'href="/plans/import"' in signed_in("board_member").get("/reviews").get_data(as_text=True)


def test_the_navigation_has_no_import_link_for_an_auditor(signed_in):
    assert 'href="/plans/import"' not in signed_in("auditor").get("/reviews").get_data(as_text=True)


def test_importing_a_spreadsheet_creates_the_review_and_says_what_it_did(signed_in):
    client = signed_in("board_member")
    response = _upload(client, xlsx_bytes(new_review_rows()), "Child Q plan.xlsx")
    review = _new_review()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reviews/{review.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Created 1 review, 3 recommendations and 3 actions" in page

    again = _upload(client, csv_bytes(new_review_rows()), "plan.csv")
    assert again.status_code == 302
    assert "Nothing new: all 4 rows are already in the tracker" in client.get(again.headers["Location"]).get_data(
        as_text=True
    )


def test_problems_are_listed_by_row_and_column_and_nothing_is_imported(signed_in):
    client = signed_in("board_member")
    rows = new_review_rows()
    rows[2]["due_date"] = "tomorrow"
    rows[2]["agency"] = "thames-valley-police"
    rows[2]["action_text"] = "Something"
    rows[3]["owner_email"] = "nobody@test.invalid"
    before = counts()
    response = _upload(client, xlsx_bytes(rows), "plan.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert counts() == before and _new_review() is None
    assert "There is no problem" not in page and "There is a problem" in page
    assert "The file has 2 problems, so nothing has been imported. Correct them and upload the file again" in page
    table = page.split('id="problems"')[1].split("</table>")[0]
    cells = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', table)
    assert [tuple(cells[i : i + 3]) for i in range(0, len(cells), 3)] == [
        ("4", "due_date", "Enter a date like 2027-03-31"),
        (
            "5",
            "owner_email",
            "No one working for Thames Valley Police has an account with this e-mail address. Leave it empty and "
            "assign the owner later, or ask an administrator to create their account first",
        ),
    ]


def test_a_file_that_is_not_a_plan_is_refused_with_the_reason(signed_in):
    response = _upload(signed_in("admin"), b"<html><script>alert(1)</script></html>", "plan.xlsx")
    assert response.status_code == 422
    assert "The selected file is not an Excel spreadsheet, although its name ends in .xlsx" in response.get_data(
        as_text=True
    )


def test_no_file_is_an_error_to_correct(signed_in):
    response = signed_in("board_member").post("/plans/import", data={"submit": "yes"})
    assert response.status_code == 422
    assert "Select a spreadsheet (.xlsx or .csv) to import" in response.get_data(as_text=True)


def test_checking_a_file_imports_nothing(signed_in):
    client = signed_in("board_member")
    before = counts()
    response = _upload(client, xlsx_bytes(new_review_rows()), "plan.xlsx", button="check")
    assert response.status_code == 200
    assert "The file is ready to import" in response.get_data(as_text=True)
    assert "Would create 1 review, 3 recommendations and 3 actions" in response.get_data(as_text=True)
    assert counts() == before


def test_a_request_over_the_servers_limit_shows_the_page_with_the_limit(app, signed_in):
    client = signed_in("board_member")
    app.config["MAX_CONTENT_LENGTH"] = 2000
    try:
        response = _upload(client, b"x" * 5000, "plan.csv")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 26 * 1024 * 1024
    assert response.status_code == 413
    assert "The selected file must be smaller than 5 MB" in response.get_data(as_text=True)


def test_the_excel_template_has_the_columns_an_example_notes_and_lists(signed_in):
    response = signed_in("board_member").get("/plans/import/template.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="plan-import-template.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Plan", "Notes", "Lists"]
    plan = book["Plan"]
    assert [cell.value for cell in plan[1]] == NAMES
    assert [cell.value or "" for cell in plan[2]] == [EXAMPLE_ROW[name] for name in NAMES]
    assert plan.freeze_panes == "A2" and plan.auto_filter.ref == "A1:P2"
    notes = {row[0]: row[2] for row in book["Notes"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(NAMES) <= set(notes)
    lists = list(book["Lists"].iter_rows(min_row=2, values_only=True))
    assert ("board", "milton-keynes", "Milton Keynes Safeguarding Children Board") in lists
    assert ("agency", "thames-valley-police", "Thames Valley Police") in lists
    assert ("themes", "information-sharing", "Information sharing") in lists


def test_the_filled_in_excel_template_imports(signed_in):
    client = signed_in("board_member")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/plans/import/template.xlsx").data))
    plan = book["Plan"]
    plan.delete_rows(2)
    for values in new_review_rows():
        plan.append([values[name] or None for name in NAMES])
    buffer = io.BytesIO()
    book.save(buffer)
    assert _upload(client, buffer.getvalue(), "plan.xlsx").status_code == 302
    assert _new_review() is not None


def test_the_csv_template_has_the_header_and_the_example_row(signed_in):
    response = signed_in("admin").get("/plans/import/template.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="plan-import-template.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [NAMES, [EXAMPLE_ROW[name] for name in NAMES]]
    # Uploaded unchanged, the example is refused rather than imported.
    response = _upload(signed_in("admin"), response.data, "template.csv")
    assert response.status_code == 422
    assert "This is the template&#39;s example row. Replace it with your plan, or delete it" in response.get_data(
        as_text=True
    )


# The command line ---------------------------------------------------------------------------------------------


def test_the_command_imports_a_file_once(app, users, tmp_path):
    path = tmp_path / "plan.xlsx"
    rows = new_review_rows()
    rows[0]["board"] = ""  # taken from --board
    path.write_bytes(xlsx_bytes(rows))
    runner = app.test_cli_runner()

    first = runner.invoke(args=["import-plan", str(path), "--board", "milton-keynes"])
    assert first.exit_code == 0, first.output
    assert first.output == "Created 1 review, 3 recommendations and 3 actions.\n"
    review = _new_review()
    assert [board.key for board in review.boards] == ["milton-keynes"]

    again = runner.invoke(args=["import-plan", str(path), "--board", "milton-keynes"])
    assert again.exit_code == 0 and again.output == "Nothing new: all 4 rows are already in the tracker.\n"

    from tracker.audit import HistoryEntry

    entry = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.event == "review.imported").order_by(HistoryEntry.id.desc()).limit(1)
    ).scalar_one()
    assert entry.actor_label == "command line" and entry.actor_id is None


def test_the_command_dry_run_saves_nothing(app, users, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(csv_bytes(new_review_rows()))
    before = counts()
    result = app.test_cli_runner().invoke(args=["import-plan", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output == "Dry run, nothing saved. Would create 1 review, 3 recommendations and 3 actions.\n"
    assert counts() == before


def test_the_command_prints_every_problem_and_exits_non_zero(app, users, tmp_path):
    path = tmp_path / "plan.xlsx"
    rows = new_review_rows()
    rows[0]["due_date"] = "soon"
    path.write_bytes(xlsx_bytes(rows))
    before = counts()
    result = app.test_cli_runner().invoke(args=["import-plan", str(path), "--board", "southampton"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Row 2, column board: this names Milton Keynes Safeguarding Children Board, but the plan is being imported "
        "into Southampton Local Safeguarding Children Board",
        "Row 2, column due_date: enter a date like 2027-03-31",
        "Error: plan.xlsx was not imported: 2 problems to correct. Nothing has been saved.",
    ]
    assert counts() == before


def test_the_command_refuses_an_unknown_board_and_a_file_that_is_not_a_plan(app, users, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(csv_bytes(new_review_rows()))
    unknown = app.test_cli_runner().invoke(args=["import-plan", str(path), "--board", "atlantis"])
    assert unknown.exit_code == 1 and "There is no board with the key “atlantis”" in unknown.output
    page = tmp_path / "page.csv"
    page.write_bytes(b"<html></html>")
    refused = app.test_cli_runner().invoke(args=["import-plan", str(page)])
    assert refused.exit_code == 1
    assert "looks like a web page" in refused.output


def test_the_command_adds_to_a_review_only_of_the_board_it_was_given(app, users, tmp_path):
    from tests.spreadsheets.helpers import row

    path = tmp_path / "plan.csv"
    rec_ref = db.session.execute(select(Review).where(Review.ref == "mk-child-j")).scalar_one().recommendations[0].ref
    path.write_bytes(
        csv_bytes([row(review_ref="mk-child-j", recommendation_ref=rec_ref, agency="smart", action_text="Do more.")])
    )
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import-plan", str(path), "--board", "southampton"])
    assert refused.exit_code == 1
    assert refused.output.splitlines()[0] == (
        "Row 2, column review_ref: review mk-child-j belongs to Milton Keynes Safeguarding Children Board, but the "
        "plan is being imported into Southampton Local Safeguarding Children Board"
    )
    added = runner.invoke(args=["import-plan", str(path), "--board", "milton-keynes"])
    assert added.exit_code == 0 and added.output == "Created 1 action.\n"
