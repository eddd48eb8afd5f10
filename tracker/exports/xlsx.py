"""The plan as an Excel workbook: one row per action, one per recommendation, and the BRAG key.

Written with openpyxl's write-only workbook (rows go to disk as they are written) into a file the caller
gives, usually a temporary file that the download then streams. Every sheet has its header row frozen,
filters on and readable column widths; long text wraps; dates are real dates. Text is always written as
text (never a formula) and guarded with ``safe_cell`` too, so it stays inert if someone edits the cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tracker.exports.cells import safe_cell
from tracker.exports.plan import PlanReview
from tracker.permissions import ACTION_FIELDS, visible_action_fields
from tracker.reports.brag import KEY, rate_action, worst

DATE_FORMAT = "d mmm yyyy"
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
BOLD = Font(bold=True)

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
    """One write-only sheet. Each kind of column has its style worked out once; a cell then copies it, which
    keeps a workbook of fifty thousand rows quick to write."""

    def __init__(self, book: Workbook, title: str, columns: list[tuple[str, int, str]]):
        self.sheet = book.create_sheet(title)
        self.kinds = [kind for _, _, kind in columns]
        self.rows = 0
        self.styles = {
            "text": self._style(alignment=TOP),
            "number": self._style(alignment=TOP),
            "long": self._style(alignment=WRAP),
            "date": self._style(alignment=TOP, number_format=DATE_FORMAT),
            "header": self._style(alignment=WRAP, font=BOLD),
        }
        for index, (_, width, _) in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = "A2"
        self.sheet.append([self._text(header, "header") for header, _, _ in columns])
        self.rows = 1

    def _style(self, **attributes):
        cell = WriteOnlyCell(self.sheet)
        for name, value in attributes.items():
            setattr(cell, name, value)
        return cell._style

    def _text(self, value, kind: str) -> Cell:
        cell = Cell(self.sheet, row=1, column=1, style_array=self.styles[kind])
        # Characters a workbook cannot hold (control characters) are dropped rather than failing the download.
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))
        cell.data_type = "s"  # text, never a formula, whatever it starts with
        return cell

    def _cell(self, value, kind: str) -> Cell:
        if (kind == "date" and isinstance(value, date)) or (kind == "number" and isinstance(value, int)):
            return Cell(self.sheet, row=1, column=1, value=value, style_array=self.styles[kind])
        return self._text(value, "long" if kind == "long" else "text")

    def append(self, values: list) -> None:
        self.sheet.append([self._cell(v, kind) for v, kind in zip(values, self.kinds, strict=True)])
        self.rows += 1

    def finish(self) -> None:
        self.sheet.auto_filter.ref = f"A1:{get_column_letter(len(self.kinds))}{self.rows}"


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
    book = Workbook(write_only=True)
    for title, columns, rows in (
        ("Actions", ACTION_COLUMNS, _rows(plan, today, user)),
        ("Recommendations", RECOMMENDATION_COLUMNS, _recommendation_rows(plan, today, user)),
        ("BRAG key", KEY_COLUMNS, ([label, meaning] for _, label, meaning in KEY)),
    ):
        sheet = _Sheet(book, title, columns)
        for row in rows:
            sheet.append(row)
        sheet.finish()
    book.save(target)
