"""How long a worker takes to start: ``import wsgi`` (what a gunicorn worker does when it boots, and what every
``flask --app wsgi`` command does first) against a minimal Flask app in the same run.

Each is run in a fresh interpreter, interleaved (wsgi, baseline, wsgi, ...) so that the machine's load falls
on both alike, and the median of each is printed with their ratio. The database is the embedded SQLite
default and nothing is connected: this is the import and ``create_app`` alone.

    .venv/bin/python benchmarks/startup.py [--runs 9]

Where PYTHONDONTWRITEBYTECODE is set and the libraries were installed without their bytecode, every start
compiles them from source (seconds): the script says which is the case here. ``make setup`` installs them
compiled.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WSGI = "import wsgi"
BASELINE = "from flask import Flask\napp = Flask('baseline')\n@app.route('/')\ndef home():\n    return 'ok'\n"


def seconds(code: str, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)  # noqa: S603 - fixed code
    return time.perf_counter() - started


def compiled_libraries() -> bool:
    import flask_sqlalchemy  # one library the app imports at start: is its bytecode there?

    folder = Path(flask_sqlalchemy.__file__).parent / "__pycache__"
    return folder.is_dir() and any(folder.iterdir())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each (default 9)")
    args = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["TRACKER_ENV"] = "development"
    seconds(WSGI, env)  # once first, untimed: the operating system's file cache, and any bytecode to write
    app, baseline = [], []
    for _ in range(args.runs):
        app.append(seconds(WSGI, env))
        baseline.append(seconds(BASELINE, env))
    app_s, baseline_s = statistics.median(app), statistics.median(baseline)
    print(f"Load average:             {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"PYTHONDONTWRITEBYTECODE:  {'set' if os.environ.get('PYTHONDONTWRITEBYTECODE') else 'not set'}")
    print(f"Libraries compiled:       {'yes' if compiled_libraries() else 'NO (each start compiles them)'}")
    print(f"import wsgi:              {app_s:.3f} s (median of {args.runs}; {min(app):.3f} to {max(app):.3f})")
    print(f"minimal Flask app:        {baseline_s:.3f} s ({min(baseline):.3f} to {max(baseline):.3f})")
    print(f"wsgi / minimal Flask app: {app_s / baseline_s:.2f}")
    print(f"wsgi - minimal Flask app: {app_s - baseline_s:.3f} s")


if __name__ == "__main__":
    main()
