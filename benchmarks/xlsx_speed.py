"""How fast the plan's XLSX export writes a big board, against XlsxWriter in constant-memory mode writing the
same cells with nothing else (and openpyxl's write-only workbook, for information), in the same run.

Builds a temporary SQLite database with a board of --actions actions (benchmarks/report_speed.py builds it),
loads the board's plan once (``exports.plan.load_plan``: not timed, it is the same for every writer), then
times, interleaved for --runs rounds: the export's own ``write_plan_xlsx`` (three sheets, formats, formula
guard, widths, filters), bare XlsxWriter constant_memory writing the action sheet's rows (from the same row
generator, with ``write_row`` and nothing else), and openpyxl write_only doing the same. Prints the medians
and the export's speed as a share of bare XlsxWriter's.

    .venv/bin/python benchmarks/xlsx_speed.py [--actions 50000] [--runs 3]

The target (issue 12): at least 90% of XlsxWriter constant_memory's speed.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def export(plan, path: Path, today) -> None:
    from tracker.exports.xlsx import write_plan_xlsx

    with open(path, "wb") as target:
        write_plan_xlsx(plan, target, today)


def bare_xlsxwriter(rows, path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Actions")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()


def openpyxl_write_only(rows, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Actions")
    for row in rows:
        sheet.append(row)
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from report_speed import build_board

    from tracker import clock, create_app
    from tracker.exports.plan import load_plan
    from tracker.exports.xlsx import _rows
    from tracker.extensions import db
    from tracker.orgs.models import Board
    from tracker.reports.scope import scope_for
    from tracker.seeding.loader import load_seeds

    with tempfile.TemporaryDirectory(prefix="xlsx-speed-") as tmp:
        tmp_dir = Path(tmp)
        url = f"sqlite:///{tmp_dir / 'bench.sqlite3'}"
        app = create_app({"ENV_NAME": "test", "SQLALCHEMY_DATABASE_URI": url, "SEEDS_DIR": str(ROOT / "seeds")})
        with app.app_context():
            upgrade()
            logging.getLogger().setLevel(logging.WARNING)
            load_seeds(db.session, ROOT / "seeds")
            today = clock.today()
            board_id, _ = build_board("xlsx-speed", args.actions, 0, random.Random(12), today)  # noqa: S311
            plan = load_plan(db.session, None, scope_for(board=db.session.get(Board, board_id)))
            print(f"{sum(1 for _ in _rows(plan, today)):,} action rows loaded")
            writers = {
                "the export (write_plan_xlsx)": lambda path: export(plan, path, today),
                "bare XlsxWriter constant_memory": lambda path: bare_xlsxwriter(_rows(plan, today), path),
                "openpyxl write_only": lambda path: openpyxl_write_only(_rows(plan, today), path),
            }
            times: dict[str, list[float]] = {name: [] for name in writers}
            for run in range(args.runs):
                for name, write in writers.items():
                    path = tmp_dir / f"{run}-{len(times[name])}.xlsx"
                    started = time.perf_counter()
                    write(path)
                    times[name].append(time.perf_counter() - started)
                    path.unlink()
            db.session.remove()
            db.engine.dispose()
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[0]
    bare = statistics.median(times["bare XlsxWriter constant_memory"])
    for name, measured in times.items():
        median = statistics.median(measured)
        print(f"{name:<34} median {median:6.2f} s   speed vs bare XlsxWriter {bare / median:5.0%}")
    print(f"load average {load}; target: the export at least 90% of bare XlsxWriter's speed")


if __name__ == "__main__":
    main()
