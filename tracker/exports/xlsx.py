"""The plan as an Excel workbook: one row per action, one per recommendation, and the BRAG key.

Written with XlsxWriter in constant-memory mode (each row goes to disk as it is written; about twice as fast
as openpyxl's write-only workbook) into a file the caller gives, usually a temporary file that the download
then streams. Every sheet has its header row frozen,
filters on and readable column widths; long text wraps; dates are real dates. Text is always written as
text (never a formula) and guarded with ``safe_cell`` too, so it stays inert if someone edits the cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import BinaryIO

from tracker.exports.cells import safe_cell
from tracker.exports.plan import PlanReview
from tracker.permissions import ACTION_FIELDS, visible_action_fields
from tracker.reports.brag import KEY, rate_action, worst

DATE_FORMAT = "d mmm yyyy"
# Characters a workbook cannot hold (control characters other than tab and newlines).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

# (header, width in characters, kind): kind is "text", "long" (wrapped) or "date".
ACTION_COLUMNS = [
    ("Review reference", 18, "text"),
    ("Review", 36, "long"),
    ("Boards", 28, "long"),
    ("Recommendation", 15, "text"),
    ("Recommendation text", 60, "long"),
    ("Agency", 30, "long"),
    ("Action ID", 10, "number"),
    ("Action", 60, "long"),
    ("Owner", 22, "text"),
    ("Due date", 13, "date"),
    ("Original due date", 13, "date"),
    ("Status", 22, "text"),
    ("BRAG", 11, "text"),
    ("Completed on", 13, "date"),
    ("Re-check due", 13, "date"),
    ("How success will be measured", 40, "long"),
]
RECOMMENDATION_COLUMNS = [
    ("Review reference", 18, "text"),
    ("Review", 36, "long"),
    ("Recommendation", 15, "text"),
    ("Recommendation text", 70, "long"),
    ("Kind", 14, "text"),
    ("Addressed to", 28, "long"),
    ("Themes", 30, "long"),
    ("Board's response", 20, "text"),
    ("Actions", 10, "number"),
    ("BRAG", 11, "text"),
]
KEY_COLUMNS = [("BRAG", 12, "text"), ("What it means", 90, "long")]


class _Sheet:
    """One sheet, written row by row. Each kind of column has its format made once."""

    def __init__(self, book, title: str, columns: list[tuple[str, int, str]]):
        self.sheet = book.add_worksheet(title)
        self.kinds = [kind for _, _, kind in columns]
        top = {"valign": "top"}
        self.formats = {
            "text": book.add_format(top),
            "number": book.add_format(top),
            "long": book.add_format({**top, "text_wrap": True}),
            "date": book.add_format({**top, "num_format": DATE_FORMAT}),
            "header": book.add_format({**top, "text_wrap": True, "bold": True}),
        }
        for index, (_, width, kind) in enumerate(columns):
            self.sheet.set_column(index, index, width, self.formats["long" if kind == "long" else "text"])
        self.sheet.freeze_panes(1, 0)
        for index, (header, _, _) in enumerate(columns):
            self._text(0, index, header, self.formats["header"])
        # Per column: the typed writer and its format for a date or a number, and the format of text.
        typed = {
            "date": (date, self.sheet.write_datetime, self.formats["date"]),
            "number": (int, self.sheet.write_number, self.formats["number"]),
        }
        self._columns = [
            (*typed.get(kind, (None, None, None)), self.formats["long" if kind == "long" else "text"])
            for kind in self.kinds
        ]
        self.rows = 1

    def _text(self, row: int, column: int, value, cell_format) -> None:
        # Always a string, never a formula; control characters are dropped rather than failing the download
        # (searched for only in text that has some). An empty cell is not written: its column has the format.
        if value is None or value == "":
            return
        text = safe_cell(value)
        if not text.isprintable():
            text = ILLEGAL_CHARACTERS_RE.sub("", text)
        self.sheet.write_string(row, column, text, cell_format)

    def append(self, values: list) -> None:
        # Called for every row of a large board: each column's writers and formats were chosen once.
        row = self.rows
        text = self._text
        for column, (value, (kind_type, write, typed_format, text_format)) in enumerate(
            zip(values, self._columns, strict=True)
        ):
            if kind_type is not None and isinstance(value, kind_type):
                write(row, column, value, typed_format)
            else:
                text(row, column, value, text_format)
        self.rows += 1

    def finish(self) -> None:
        self.sheet.autofilter(0, 0, self.rows - 1, len(self.kinds) - 1)


HIDDEN_RATING = "Not shown: includes other agencies' actions"


def _shown(user, action) -> frozenset[str]:
    return ACTION_FIELDS if user is None else visible_action_fields(user, action)


def _rows(plan: Iterable[PlanReview], today: date, user=None):
    for item in plan:
        review = item.review
        boards = "; ".join(board.name for board in review.boards)
        pairs = [(rec, action) for rec, actions in item.recommendations for action in actions]
        pairs += [(None, action) for action in item.agency_actions]
        for rec, action in pairs:
            shown = _shown(user, action)

            def cell(field, value, shown=shown):
                return value if field in shown else ""

            yield [
                review.ref,
                review.title,
                boards,
                rec.ref if rec else "",
                rec.text if rec else "(The agency's own action, not in answer to a recommendation)",
                action.agency.name,
                action.id,
                action.text,
                cell("owner", action.owner.name if action.owner else ""),
                cell("due_date", action.due_date),
                cell("original_due_date", action.original_due_date),
                action.status_enum.label,
                cell("brag", rate_action(action, today).label),
                cell("completed_on", action.completed_on),
                cell("recheck_due", action.recheck_due),
                cell("success_measure", action.success_measure or ""),
            ]


def _recommendation_rows(plan: Iterable[PlanReview], today: date, user=None):
    for item in plan:
        for rec, actions in item.recommendations:
            if all("brag" in _shown(user, a) for a in actions):
                rating = worst(rate_action(a, today) for a in actions).label
            else:
                rating = HIDDEN_RATING
            yield [
                item.review.ref,
                item.review.title,
                rec.ref,
                rec.text,
                rec.kind_label,
                rec.addressed_to_label,
                "; ".join(theme.label for theme in rec.themes),
                rec.response_label,
                len(actions),
                rating,
            ]


def write_plan_xlsx(plan: list[PlanReview], target: BinaryIO, today: date, user=None) -> None:
    """The plan as a workbook: every field for the command line (no user), else only those ``user`` may see
    (``permissions.visible_action_fields``)."""
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    import xlsxwriter  # imported when a spreadsheet is written, not by every worker at start

    book = xlsxwriter.Workbook(target, options)
    for title, columns, rows in (
        ("Actions", ACTION_COLUMNS, _rows(plan, today, user)),
        ("Recommendations", RECOMMENDATION_COLUMNS, _recommendation_rows(plan, today, user)),
        ("BRAG key", KEY_COLUMNS, ([label, meaning] for _, label, meaning in KEY)),
    ):
        sheet = _Sheet(book, title, columns)
        for row in rows:
            sheet.append(row)
        sheet.finish()
    book.close()
