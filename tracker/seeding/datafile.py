"""Reading and checking the seed data files in ``seeds/``.

Deliberately free of Flask, SQLAlchemy and relative imports so that it can be run on its own while a
seed file is being written:

    python3 tracker/seeding/datafile.py seeds/reviews/<ref>.yaml

It validates the layout of one review's data file and checks that every quoted text (recommendations,
sub-points, actions) appears word for word in the source report, once the extraction artefacts the
reviews README describes (page headers and footers, bullets, glued footnote numbers, Word footnote
markers) are taken out of both sides.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

KINDS = ("board", "multi_agency", "single_agency")
ADDRESSED_TO = ("board", "all_agencies", "agency")
REPORTED_PROGRESS = ("reported_done", "in_progress", "planned", "proposed", "not_stated")
THEMES = (
    "adult-mental-health",
    "assessment",
    "child-protection-process",
    "discharge-and-transfer",
    "domestic-abuse",
    "early-help",
    "escalation",
    "fathers-and-men",
    "housing",
    "information-sharing",
    "injuries-to-non-mobile-babies",
    "learning-dissemination",
    "multi-agency-working",
    "neglect",
    "non-engagement",
    "perinatal-mental-health",
    "professional-curiosity",
    "quality-assurance",
    "record-keeping",
    "safe-sleep",
    "safeguarding-policy",
    "substance-misuse",
    "supervision",
    "think-family",
    "thresholds-and-referral",
    "training-and-workforce",
    "voice-of-the-child",
)

# Marks the extraction left in every report, removed from both sides before comparing.
_FOOTNOTE_MARKER = re.compile(r"\[footnoteRef:\d+\]")
_SUPERSCRIPT_DIGITS = re.compile(r"[\u00b9\u00b2\u00b3\u2070-\u2079]+")
# A footnote number glued to the end of a word ("practice12 " or "practice.12 "). Digits that follow
# another digit or a space are left alone, so "6.1.2" and "Recommendation 1" survive.
_GLUED_FOOTNOTE = re.compile(r"(?:(?<=[A-Za-z\)\u2019\u201d\"])|(?<=[A-Za-z]\.))\d{1,2}(?=\s|$)")
_BULLETS = re.compile(r"[\u2022\u25cf\u25aa\u25a0\u2023\u2043\u25e6\uf0b7\uf0a7\uf0d8\uf076\uf0fc*]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
_WHITESPACE = re.compile(r"\s+")


def comparable(text: str) -> str:
    """Text reduced to what must match letter for letter: no whitespace, bullets or footnote marks."""
    text = unicodedata.normalize("NFC", text)
    text = _FOOTNOTE_MARKER.sub("", text)
    text = _SUPERSCRIPT_DIGITS.sub("", text)
    text = _GLUED_FOOTNOTE.sub("", text)
    text = _BULLETS.sub("", text)
    text = _PRIVATE_USE.sub("", text)
    return _WHITESPACE.sub("", text)


def report_without_artefacts(report_text: str, artefact_lines: list[str]) -> str:
    """The report with whole lines that match any artefact pattern (page headers, footers) removed."""
    patterns = [re.compile(p) for p in artefact_lines]
    kept = [line for line in report_text.splitlines() if not any(p.fullmatch(line.strip()) for p in patterns)]
    return "\n".join(kept)


@dataclass
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def load(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def quoted_texts(data: dict):
    """Yield (where, text) for every text the file claims is quoted from the report."""
    for rec in data.get("recommendations") or []:
        where = f"recommendation {rec.get('ref')}"
        yield where, rec.get("text") or ""
        for i, point in enumerate(rec.get("sub_points") or [], start=1):
            yield f"{where} sub-point {i}", point
    for i, action in enumerate(data.get("agency_actions") or [], start=1):
        yield f"agency action {i} ({action.get('agency')})", action.get("text") or ""


def check_layout(data: dict) -> list[Problem]:
    problems: list[Problem] = []

    def need(obj: dict, key: str, where: str) -> None:
        if obj.get(key) in (None, "", []):
            problems.append(Problem(where, f"'{key}' is missing"))

    review = data.get("review") or {}
    for key in (
        "ref",
        "title",
        "child",
        "boards",
        "published_by",
        "review_type",
        "incident_year",
        "author",
        "source_file",
    ):
        need(review, key, "review")
    agencies = data.get("agencies") or {}
    if not isinstance(agencies, dict):
        problems.append(Problem("agencies", "must map agency keys to names"))
        agencies = {}
    refs = set()
    for rec in data.get("recommendations") or []:
        where = f"recommendation {rec.get('ref')}"
        for key in ("ref", "text", "addressed_to", "kind", "paragraphs", "themes"):
            need(rec, key, where)
        if rec.get("ref") in refs:
            problems.append(Problem(where, "reference used twice"))
        refs.add(rec.get("ref"))
        if rec.get("kind") not in KINDS:
            problems.append(Problem(where, f"kind must be one of {KINDS}"))
        if rec.get("addressed_to") not in ADDRESSED_TO:
            problems.append(Problem(where, f"addressed_to must be one of {ADDRESSED_TO}"))
        if rec.get("addressed_to") == "agency" and rec.get("agency") not in agencies:
            problems.append(Problem(where, "addressed to an agency not listed under 'agencies'"))
        problems += _check_themes(rec, where)
    action_keys = set()
    for i, action in enumerate(data.get("agency_actions") or [], start=1):
        where = f"agency action {i}"
        if action.get("key") in action_keys:
            problems.append(Problem(where, f"key '{action.get('key')}' used twice"))
        action_keys.add(action.get("key"))
        for key in ("key", "agency", "text", "paragraphs", "reported_progress", "themes"):
            need(action, key, where)
        if action.get("agency") not in agencies:
            problems.append(Problem(where, f"agency '{action.get('agency')}' not listed under 'agencies'"))
        if action.get("reported_progress") not in REPORTED_PROGRESS:
            problems.append(Problem(where, f"reported_progress must be one of {REPORTED_PROGRESS}"))
        for ref in action.get("relates_to") or []:
            if ref not in refs:
                problems.append(Problem(where, f"relates_to names unknown recommendation '{ref}'"))
        problems += _check_themes(action, where)
    return problems


def _check_themes(item: dict, where: str) -> list[Problem]:
    return [Problem(where, f"unknown theme '{t}'") for t in item.get("themes") or [] if t not in THEMES]


def check_verbatim(data: dict, report_text: str) -> list[Problem]:
    source = comparable(report_without_artefacts(report_text, data.get("artefact_lines") or []))
    problems = []
    for where, text in quoted_texts(data):
        if not text.strip():
            continue
        if comparable(text) not in source:
            problems.append(Problem(where, f"not found word for word in the report: {text[:80]!r}…"))
    return problems


def check_file(path: Path, reviews_dir: Path) -> list[Problem]:
    data = load(path)
    problems = check_layout(data)
    source_file = (data.get("review") or {}).get("source_file")
    if source_file:
        report = (reviews_dir / source_file).read_text(encoding="utf-8")
        problems += check_verbatim(data, report)
    return problems


def main(argv: list[str]) -> int:
    reviews_dir = Path(__file__).resolve().parents[2] / "seeds" / "reports"
    status = 0
    for name in argv:
        data = load(Path(name))
        problems = check_file(Path(name), reviews_dir)
        recs = data.get("recommendations") or []
        actions = data.get("agency_actions") or []
        print(f"{name}: {len(recs)} recommendations, {len(actions)} agency actions, {len(problems)} problems")
        for problem in problems:
            print(f"  {problem}")
        status = status or (1 if problems else 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
