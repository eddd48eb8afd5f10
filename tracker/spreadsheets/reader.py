"""Reading an uploaded plan (Excel .xlsx or CSV) into rows of values: text, numbers as text, and dates.

Values only: a formula is refused, never evaluated, and an Excel error value (#N/A) is refused too. The
file's type is judged by its content as well as its name (``tracker.evidence.filetypes``), its size and
unpacked size are capped before it is parsed, and reading stops at the row limit. Pure Python: no Flask,
no database.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from tracker.evidence import filetypes
from tracker.evidence.storage import size_in_words
from tracker.spreadsheets.columns import DATE_COLUMNS, NAMES
from tracker.spreadsheets.problems import ImportRefused, Problem, plural

SHEET_NAME = "Plan"
MAX_COLUMNS = 60
# An .xlsx is a zip: refuse one that would unpack to far more than a plan of the row limit could need.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 1000
# Rows are read one by one; blank rows are skipped but still counted, so a sheet of a million empty rows
# cannot keep the server busy.
MAX_SCANNED_ROWS_FACTOR = 20
# Text cells may hold tabs and line breaks, nothing else below the space character (nor DEL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOT_A_PLAN_FILE = "The selected file must be an Excel spreadsheet (.xlsx) or a CSV file (.csv)"
# Other Excel formats: ``identify`` explains how to save them as .xlsx.
OTHER_EXCEL = (".xls", ".xlsm", ".xlsb", ".xltm")


class Unreadable:
    """A cell whose problem has been reported already: the checks treat it as given but unusable."""

    def __repr__(self) -> str:
        return "UNREADABLE"


UNREADABLE = Unreadable()


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it: the header is row 1
    cells: dict[str, object]  # column name -> text ("" when empty), a date, or UNREADABLE


@dataclass(frozen=True)
class _Formula:
    text: str


@dataclass(frozen=True)
class _ErrorValue:
    text: str


def _refuse(message: str) -> ImportRefused:
    return ImportRefused([Problem(None, None, message)])


def read_plan(filename: str, stream: BinaryIO, *, max_bytes: int, max_rows: int) -> tuple[list[Row], list[Problem]]:
    """The file's rows (after the header) and the problems found in their cells. Raises ImportRefused when
    the file as a whole cannot be read: wrong type, too large, no usable header row, too many rows."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > max_bytes:
        raise _refuse(f"The selected file must be smaller than {size_in_words(max_bytes)}")
    extension = filetypes.extension_of(filename)
    if extension not in (".xlsx", ".csv", *OTHER_EXCEL):
        raise _refuse(NOT_A_PLAN_FILE)
    try:
        content_type = filetypes.identify(filename, stream, windows_text=True)
    except filetypes.FileTypeRefused as refused:
        raise _refuse(refused.message) from None
    if content_type == filetypes.XLSX:
        values = _xlsx_values(stream)
    elif content_type == filetypes.CSV:
        values = _csv_values(stream)
    else:  # pragma: no cover - the extension check above lets only .xlsx and .csv through
        raise _refuse(NOT_A_PLAN_FILE)
    return _table(values, max_rows)


# The table: header, rows, cell values ---------------------------------------------------------------------


def normalise_header(value) -> str:
    return re.sub(r"[\s\-]+", "_", str(value if value is not None else "").strip().lower())


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter  # openpyxl: imported when a spreadsheet is read

    return get_column_letter(index + 1)


def _table(values: Iterator[tuple[int, list]], max_rows: int) -> tuple[list[Row], list[Problem]]:
    first = next(values, None)
    if first is None or not any(_is_given(v) for v in first[1]):
        raise _refuse("The selected file is empty, or its first row is empty. Start it with the template's header row")
    columns, header_problems = _header(first[1])
    if header_problems:
        raise ImportRefused(header_problems)

    rows, problems, data_rows = [], [], 0
    for number, raw in values:
        if number > (max_rows + 1) * MAX_SCANNED_ROWS_FACTOR:
            raise _refuse(_too_many_rows(max_rows))
        if not any(_is_given(v) for v in raw):
            continue
        data_rows += 1
        if data_rows > max_rows:
            raise _refuse(_too_many_rows(max_rows))
        cells = {}
        for index, value in enumerate(raw):
            name = columns.get(index)
            if name is None:
                if _is_given(value):
                    problems.append(
                        Problem(number, _column_letter(index), "this cell is outside the template's columns. Remove it")
                    )
                continue
            cells[name], problem = _cell(value, name)
            if problem:
                problems.append(Problem(number, name, problem))
        for name in NAMES:
            cells.setdefault(name, "")
        rows.append(Row(number, cells))
    if not rows:
        raise _refuse("The selected file has a header row but no plan in it. Add a row for each action")
    return rows, problems


def _too_many_rows(max_rows: int) -> str:
    return f"The selected file has more than {plural(max_rows, 'row')} of plan. Split it into smaller files"


def _header(raw: list) -> tuple[dict[int, str], list[Problem]]:
    columns: dict[int, str] = {}
    problems = []
    seen: dict[str, int] = {}
    for index, value in enumerate(raw):
        if not _is_given(value):
            continue
        name = normalise_header(value if not isinstance(value, _Formula | _ErrorValue) else value.text)
        where = _column_letter(index)
        if name not in NAMES:
            problems.append(
                Problem(
                    1, where, f"“{str(value)[:60]}” is not one of the template's columns. Use the template's header row"
                )
            )
        elif name in seen:
            problems.append(Problem(1, where, f"the column {name} appears twice. Keep only one"))
        else:
            seen[name] = index
            columns[index] = name
    missing = [name for name in NAMES if name not in seen]
    if missing:
        problems.append(
            Problem(1, None, f"the header row has no column named {', '.join(missing)}. Use the template's header row")
        )
    return columns, problems


def _is_given(value) -> bool:
    if value is None:
        return False
    return not (isinstance(value, str) and not value.strip())


def _cell(value, name: str) -> tuple[object, str | None]:
    """A cell as the checks want it, or UNREADABLE with the reason."""
    if isinstance(value, _Formula):
        shown = value.text if len(value.text) <= 40 else value.text[:40] + "…"
        return UNREADABLE, f"this cell holds a formula ({shown}). Type the value itself instead of a formula"
    if isinstance(value, _ErrorValue):
        return UNREADABLE, f"this cell shows an error ({value.text}). Type the value itself"
    if value is None:
        return "", None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return (value if name in DATE_COLUMNS else value.isoformat()), None
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)), None
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(text):
        return UNREADABLE, "this cell holds characters that cannot be stored (control characters). Type the text again"
    return text, None


# Excel ----------------------------------------------------------------------------------------------------


def _check_package(stream: BinaryIO) -> None:
    """Refuse a zip that would unpack to far more than any plan needs (a zip bomb), before parsing it."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse("The selected file could not be read as an Excel spreadsheet. Save it again as .xlsx") from None
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise _refuse("The selected spreadsheet is too large when unpacked. Split it into smaller files")
    stream.seek(0)


def _xlsx_values(stream: BinaryIO) -> Iterator[tuple[int, list]]:
    _check_package(stream)
    unreadable = "The selected file could not be read as an Excel spreadsheet. Save it again as .xlsx and upload it"
    # A malformed file can fail anywhere in openpyxl, with many kinds of error; it must never become a 500.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops (validation, styles)
            import openpyxl

            book = openpyxl.load_workbook(stream, read_only=True, data_only=False, keep_links=False)
    except Exception:
        raise _refuse(unreadable) from None
    try:
        sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
                yield number, [_xlsx_value(cell) for cell in row]
    except ImportRefused:
        raise
    except Exception:
        raise _refuse(unreadable) from None
    finally:
        book.close()


def _xlsx_value(cell):
    if cell.data_type == "f" or type(cell.value).__name__ in ("ArrayFormula", "DataTableFormula"):
        return _Formula(str(getattr(cell.value, "text", None) or cell.value))
    if cell.data_type == "e":
        return _ErrorValue(str(cell.value))
    return cell.value


# CSV ------------------------------------------------------------------------------------------------------


def _csv_values(stream: BinaryIO) -> Iterator[tuple[int, list]]:
    stream.seek(0)
    raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # identify() has checked it is Windows text
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to some European languages save CSV with semicolons; tabs come from copy and paste.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            # In a CSV file every cell is text: one starting with "=" is a formula a spreadsheet would run.
            yield number, [_Formula(cell.strip()) if cell.strip().startswith("=") else cell for cell in row]
    except csv.Error as error:
        raise _refuse(
            f"The selected CSV file could not be read ({error}). Save it again as CSV and upload it"
        ) from None
