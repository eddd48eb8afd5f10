"""Spotting personal details that should rarely be in evidence: an NHS number (ten digits that pass the NHS
number's modulus 11 check) or a date of birth (a date next to "date of birth", "DOB" or "born"). Pure functions,
used to warn before evidence is saved; the person may confirm and save anyway (the board may need it)."""

from __future__ import annotations

import re

# Ten digits, optionally spaced or hyphenated 3-3-4, not part of a longer number.
_NHS = re.compile(r"(?<![\d])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d])")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE = (
    r"(?:\d{1,2}[/.\- ]\d{1,2}[/.\- ]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})[a-z]*\.?\s+\d{{2,4}}"
    r"|\d{4}-\d{2}-\d{2})"
)
_BIRTH = r"(?:date\s*of\s*birth|d\.?\s*o\.?\s*b\.?|born(?:\s+on)?|birth\s*date)"
_DOB = re.compile(
    rf"\b{_BIRTH}(?!\w)[\s:=\-_]*(?:was\s+|is\s+)?{_DATE}|{_DATE}[\s_\-]*\(?{_BIRTH}(?!\w)", re.IGNORECASE
)


def is_nhs_number(digits: str) -> bool:
    """The NHS number check: weights 10..2 on the first nine digits, 11 minus the sum mod 11 is the tenth
    (11 counts as 0; 10 is never valid)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def nhs_numbers(text: str) -> list[str]:
    return [m[0] for m in _NHS.finditer(text or "") if is_nhs_number("".join(m.groups()))]


def dates_of_birth(text: str) -> list[str]:
    return [m[0] for m in _DOB.finditer(text or "")]


def warnings(*, title: str | None, narrative: str | None, file_names: list[str]) -> list[str]:
    """What looks like a personal detail, in words, field by field (empty when nothing does)."""
    found = []
    places = [("the title", title), ("the description", narrative)]
    places += [(f"the file name “{name}”", name) for name in file_names]
    for where, text in places:
        if nhs_numbers(text or ""):
            found.append(f"{where[:1].upper()}{where[1:]} seems to hold an NHS number")
        if dates_of_birth(text or ""):
            found.append(f"{where[:1].upper()}{where[1:]} seems to hold a date of birth")
    return found
