"""Making PDF and Word versions of a report's text, in layouts unlike any published report's.

Used by the importer's tests and by ``benchmarks/import_accuracy.py``: each line of the text becomes a
paragraph, set in a different width and font, with a running header and a page footer on every page,
so that the importer has page furniture to remove and line breaks of its own to undo.
"""

from __future__ import annotations

import io
from pathlib import Path

_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def make_pdf(text: str, header: str = "Safeguarding review: published report", font_size: float = 10) -> bytes:
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
    pdf.set_margins(22, 18, 30)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font(pdf.body_font, size=font_size)
    for line in text.splitlines():
        if not line.strip():
            pdf.ln(2)
            continue
        pdf.multi_cell(0, font_size * 0.5, line.strip().replace("\t", " "), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    return bytes(pdf.output())


def make_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
