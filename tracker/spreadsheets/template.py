"""The downloadable import templates: an Excel workbook (the plan sheet, the column notes and the lists of
boards, agencies and themes the columns take) and a CSV file (the header row and the example row)."""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.exports.cells import safe_cell
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import ADDRESSED_TO, KINDS, Theme
from tracker.spreadsheets.columns import COLUMNS, EXAMPLE_ROW, NAMES
from tracker.spreadsheets.reader import SHEET_NAME

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(NAMES)
    writer.writerow([safe_cell(EXAMPLE_ROW[name]) for name in NAMES])
    return buffer.getvalue()


def _text(sheet, value, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    cell.data_type = "s"  # always text, never a formula
    cell.alignment = WRAP
    if bold:
        cell.font = BOLD
    return cell


def _sheet(book: Workbook, title: str, widths: list[int], header: list[str], rows) -> None:
    sheet = book.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_text(sheet, name, bold=True) for name in header])
    count = 1
    for row in rows:
        sheet.append([_text(sheet, value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count}"


def write_template_xlsx(session: Session, target: BinaryIO) -> None:
    """The template, with the boards, agencies and themes as the tracker has them today."""
    book = Workbook(write_only=True)
    _sheet(book, SHEET_NAME, [c.width for c in COLUMNS], NAMES, [[EXAMPLE_ROW[name] for name in NAMES]])
    _sheet(
        book,
        "Notes",
        [22, 20, 90],
        ["Column", "Fill in for", "What to enter"],
        [[c.name, c.needed, c.notes] for c in COLUMNS]
        + [
            ["", "", ""],
            ["Dates", "", "Type dates as 2027-03-31 (or 31/03/2027), or use date cells."],
            ["Formulas", "", "Cells must hold values, not formulas: a file with formulas is refused."],
            ["Example row", "", "Row 2 of the Plan sheet is an example: replace it with your plan, or delete it."],
        ],
    )
    boards = session.execute(select(Board).order_by(Board.name)).scalars()
    agencies = session.execute(select(Agency).where(Agency.merged_into_id.is_(None)).order_by(Agency.name)).scalars()
    themes = session.execute(select(Theme).order_by(Theme.label)).scalars()
    _sheet(
        book,
        "Lists",
        [22, 48, 70],
        ["List", "Key (what to enter)", "Name"],
        [["board", b.key, b.name] for b in boards]
        + [["agency", a.key, a.name] for a in agencies]
        + [["themes", t.key, t.label] for t in themes]
        + [["recommendation_kind", key, label] for key, label in KINDS.items()]
        + [["addressed_to", key, label] for key, label in ADDRESSED_TO.items() if key != "agency"]
        + [["addressed_to", "an agency's key", "A named agency"]],
    )
    book.save(target)
