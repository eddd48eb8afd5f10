"""How fast a 100-page PDF report is proposed, against a plain pypdf text extraction of the same file.

Makes a 100-page PDF from the five published reports' text one after the other (repeated until the PDF
has 100 pages; tests/importer/documents.py sets it with a running header and a page footer), then times:

- the baseline: pypdf's ``extract_text()`` over every page, and nothing else;
- the importer: extraction, cleaning into blocks, and the proposals of recommendations and actions.

Each is the median of several runs, the two interleaved. The promise: the importer proposes a 100-page PDF in
under 10 s on this machine; the ratio says what the importer adds on top of reading the PDF at all.

    .venv/bin/python benchmarks/import_speed.py [--pages 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from tests.importer.documents import make_pdf  # noqa: E402
from tracker.importer.propose import propose_from_file  # noqa: E402

TARGET_SECONDS = 10.0


def report_pdf(pages: int) -> bytes:
    reports = sorted((ROOT / "seeds" / "reports").glob("*.txt"))
    text = "\n\n".join(path.read_text(encoding="utf-8") for path in reports)
    body = text
    while True:
        data = make_pdf(body)
        count = len(PdfReader(io.BytesIO(data)).pages)
        if count >= pages:
            return _first_pages(data, pages)
        body += "\n\n" + text


def _first_pages(data: bytes, pages: int) -> bytes:
    from pypdf import PdfWriter

    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for page in reader.pages[:pages]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def baseline(data: bytes) -> None:
    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text()


def median_seconds(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = report_pdf(args.pages)
    print(f"PDF: {len(PdfReader(io.BytesIO(data)).pages)} pages, {len(data) / 1024:.0f} KiB")
    load = os.getloadavg()
    proposals = propose_from_file("report.pdf", data)
    # Interleaved, so that a change in the shared machine's load falls on both alike.
    base_times, full_times = [], []
    for _ in range(args.runs):
        base_times.append(median_seconds(lambda: baseline(data), 1))
        full_times.append(median_seconds(lambda: propose_from_file("report.pdf", data), 1))
    base, full = statistics.median(base_times), statistics.median(full_times)
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores shared)")
    print(f"baseline, pypdf extract_text only: {base:.2f} s")
    print(
        f"importer, extract + clean + propose: {full:.2f} s "
        f"({len(proposals.blocks)} blocks, {len(proposals.recommendations)} recommendations, "
        f"{len(proposals.actions)} actions)"
    )
    print(f"ratio importer / baseline: {full / base:.2f}")
    met = full < TARGET_SECONDS
    print(f"target (< {TARGET_SECONDS:.0f} s): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
