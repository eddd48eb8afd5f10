"""What is wrong with an imported file, row by row and column by column, in words a person understands."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.errors_domain import DomainError
from tracker.spreadsheets.columns import NAMES

COLUMN_ORDER = {name: index for index, name in enumerate(NAMES)}


@dataclass(frozen=True, order=True)
class Problem:
    row: int | None  # as the spreadsheet numbers it: the header is row 1
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f"Row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def _position(problem: Problem) -> tuple:
    """Problems in the order of the file: by row, then in the template's column order."""
    order = COLUMN_ORDER.get(problem.column or "", -1 if problem.column is None else len(COLUMN_ORDER))
    return (problem.row or 0, order, problem.column or "", problem.message)


class ImportRefused(DomainError):
    """The file cannot be imported; ``problems`` lists every reason. Nothing has been saved."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_position)
        if len(self.problems) == 1 and self.problems[0].row is None:
            message = self.problems[0].message
        else:
            message = (
                f"The file has {plural(len(self.problems), 'problem')}, so nothing has been imported. "
                "Correct them and upload the file again"
            )
        super().__init__(message, field="file")
