"""How well the importer proposes the five published reports' recommendations and actions.

Runs the importer on each report in seeds/reports/ as text, and as a PDF and a Word document this script
makes from it (tests/importer/documents.py: a layout unlike the original, with its own page headers and
footers), and compares the proposals with the seed file, which was checked against the report by hand:

- recommendations: a seed recommendation is found when a proposal has exactly its reference and text
  at least 0.95 similar (difflib ratio, whitespace and case folded); precision is the share of proposals
  that found one;
- sub-points: within found recommendations, a seed sub-point is found by a proposed sub-point at least
  0.90 similar;
- single-agency actions (the seed's agency_actions): found when a proposal's text is at least 0.80
  similar, or one contains the other and the shorter is at least half the longer.

The importer knows nothing of these reports; this script is the only place they meet.

    .venv/bin/python benchmarks/import_accuracy.py [--formats txt,pdf,docx] [--verbose]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from difflib import SequenceMatcher
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.importer.documents import make_docx, make_pdf  # noqa: E402
from tracker.importer.agencies import KnownAgency  # noqa: E402
from tracker.importer.propose import propose_from_file  # noqa: E402
from tracker.seeding.datafile import comparable  # noqa: E402


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def similar(a: str, b: str) -> float:
    a, b = norm(a), norm(b)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < 0.5:
        return 0.0
    return matcher.ratio()


def action_matches(proposed: str, seed: str) -> bool:
    a, b = comparable(proposed).lower(), comparable(seed).lower()
    short, long = sorted((a, b), key=len)
    if short and short in long and len(short) >= 0.5 * len(long):
        return True
    return similar(proposed, seed) >= 0.80


def known_agencies(boards: list[str]) -> list[KnownAgency]:
    data = yaml.safe_load((ROOT / "seeds" / "agencies.yaml").read_text(encoding="utf-8"))
    return [
        KnownAgency(a["key"], a["name"], a.get("sector"))
        for a in data["agencies"]
        if set(a.get("boards") or []) & set(boards)
    ]


def score(found: int, total: int) -> float:
    return 100.0 * found / total if total else 100.0


def evaluate(seed: dict, proposals) -> dict:
    recs = seed.get("recommendations") or []
    matched_recs, used = 0, set()
    sub_total = sub_found = sub_proposed = sub_right = 0
    for rec in recs:
        for i, p in enumerate(proposals.recommendations):
            if i in used or p.ref != str(rec["ref"]) or similar(p.text, rec["text"]) < 0.95:
                continue
            used.add(i)
            matched_recs += 1
            seeds_subs = rec.get("sub_points") or []
            sub_total += len(seeds_subs)
            sub_proposed += len(p.sub_points)
            sub_found += sum(any(similar(s, q) >= 0.9 for q in p.sub_points) for s in seeds_subs)
            sub_right += sum(any(similar(s, q) >= 0.9 for s in seeds_subs) for q in p.sub_points)
            break
    actions = seed.get("agency_actions") or []
    right = [False] * len(proposals.actions)
    act_found = 0
    for action in actions:
        hits = [i for i, p in enumerate(proposals.actions) if action_matches(p.text, action["text"])]
        if hits:
            act_found += 1
            for i in hits:
                right[i] = True
    return {
        "recs": (matched_recs, len(recs), len(proposals.recommendations)),
        "subs": (sub_found, sub_total, sub_right, sub_proposed),
        "acts": (act_found, len(actions), sum(right), len(proposals.actions)),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--formats", default="txt,pdf,docx")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    formats = args.formats.split(",")
    totals: dict[str, list[int]] = {"acts": [0, 0, 0, 0]}
    print(
        f"{'report':32} {'fmt':5} "
        + " ".join(f"{h:>7}" for h in ("recs R", "recs P", "subs R", "subs P", "acts R", "acts P"))
        + f" {'s':>5}"
    )
    failures = []
    for seed_path in sorted((ROOT / "seeds" / "reviews").glob("*.yaml")):
        seed = yaml.safe_load(seed_path.read_text(encoding="utf-8"))
        meta = seed["review"]
        text = (ROOT / "seeds" / "reports" / meta["source_file"]).read_text(encoding="utf-8")
        known = known_agencies(meta["boards"])
        for fmt in formats:
            data = {"txt": text.encode, "pdf": make_pdf, "docx": make_docx}[fmt](*([] if fmt == "txt" else [text]))
            started = time.perf_counter()
            proposals = propose_from_file(f"report.{fmt}", data, known)
            elapsed = time.perf_counter() - started
            result = evaluate(seed, proposals)
            rf, rt, rp = result["recs"]
            sf, st, sr, sp = result["subs"]
            af, at, ar, ap = result["acts"]
            row = (score(rf, rt), score(rf, rp), score(sf, st), score(sr, sp), score(af, at), score(ar, ap))
            print(f"{meta['ref']:32} {fmt:5} " + " ".join(f"{v:6.1f}%" for v in row) + f" {elapsed:5.2f}")
            if row[0] < 95 or row[1] < 90:
                failures.append(f"{meta['ref']} {fmt}: recommendations below target")
            for k, v in enumerate((af, at, ar, ap)):
                totals["acts"][k] += v
            if args.verbose:
                for p in proposals.recommendations:
                    print(f"    rec {p.ref}: {p.text[:90]}")
                for p in proposals.actions:
                    print(f"    action [{p.agency}] {p.reported_progress}: {p.text[:90]}")
    af, at, ar, ap = totals["acts"]
    print(f"\nactions overall: recall {score(af, at):.1f}% ({af}/{at}), precision {score(ar, ap):.1f}% ({ar}/{ap})")
    if score(af, at) < 80 or score(ar, ap) < 70:
        failures.append("actions overall below target (recall 80%, precision 70%)")
    print("targets met" if not failures else "targets NOT met:\n  " + "\n  ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
