"""Making PDF and Word versions of a report's text, in layouts unlike any published report's.

Used by the importer's tests and by ``benchmarks/import_accuracy.py``: each line of the text becomes a
paragraph, set in a different width and font, with a running header and a page footer on every page,
so that the importer has page furniture to remove and line breaks of its own to undo.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def paragraphs(text: str) -> list[tuple[str, bool]]:
    """The text's lines as (line, is_bullet), blank lines as ("", False).

    A line set in by one space after a line ending in a colon (or after another such line) was a bullet
    whose glyph the extraction lost; it becomes a real bullet here, as it was in the published document.
    """
    out: list[tuple[str, bool]] = []
    in_list = False
    for raw in text.splitlines():
        line = raw.strip().replace("\t", " ")
        if not line:
            out.append(("", False))
            continue
        previous = next((p for p, _ in reversed(out) if p), "")
        bullet = raw.startswith(" ") and not raw.startswith("  ") and (in_list or previous.endswith(":"))
        bullet = bullet and not line.isupper()
        in_list = bullet or (in_list and raw.startswith(" ") is False and not previous.endswith((".", ";")))
        out.append((line, bullet))
    return out


def make_pdf(text: str, header: str = "Safeguarding review: published report", font_size: float = 9) -> bytes:
    from fpdf import FPDF

    class Report(FPDF):
        def header(self):
            self.set_font(self.body_font, size=8)
            self.cell(0, 6, header, align="R")
            self.ln(8)

        def footer(self):
            self.set_y(-12)
            self.set_font(self.body_font, size=8)
            self.cell(0, 6, f"Page {self.page_no()}", align="C")

    pdf = Report(format="A4")
    if _FONT.exists():
        pdf.add_font("body", fname=str(_FONT))
        pdf.body_font = "body"
    else:  # without a Unicode font, fall back to the core font and Latin-1 text
        pdf.body_font = "helvetica"
        text = text.encode("latin-1", "replace").decode("latin-1")
    pdf.set_margins(16, 18, 16)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font(pdf.body_font, size=font_size)
    for paragraph, bullet in paragraphs(text):
        if not paragraph:
            pdf.ln(2)
            continue
        pdf.set_x(pdf.l_margin + (6 if bullet else 0))
        pdf.multi_cell(0, font_size * 0.5, ("• " if bullet else "") + paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    return bytes(pdf.output())


_STARTS = re.compile(r"^(\d{1,2}(\.\d{1,2})*\.?(\s|$)|[-•*]\s|\(?[a-zA-Z]{1,4}[.)]\s|[⁰¹²³⁴⁵⁶⁷⁸⁹])")


def joined(lines: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Hard line breaks removed, as a person retyping the report in Word would: a line runs on from the one
    before unless that one ended a sentence or was a short heading, or this one starts a numbered item."""
    out: list[tuple[str, bool]] = []
    for line, bullet in lines:
        if not line:
            continue
        previous = out[-1][0] if out else ""
        runs_on = (
            previous
            and not bullet
            and not _STARTS.match(line)
            and not previous.endswith((".", ":", ";", "?", "!"))
            and (len(previous) >= 50 or line[:1].islower())
            and not (len(line) < 40 and line[:1].isupper() and not line.endswith((".", ":", ";")))
            and previous[:1] not in "⁰¹²³⁴⁵⁶⁷⁸⁹"
        )
        if runs_on:
            out[-1] = (previous + " " + line, out[-1][1])
        else:
            out.append((line, bullet))
    return out


def make_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for paragraph, bullet in joined(paragraphs(text)):
        if paragraph:
            document.add_paragraph(paragraph, style="List Bullet" if bullet else None)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
