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
# "kind" follows the addressee, by one rule: a recommendation to the board is the board's, one to all
# agencies is multi-agency, one to a named agency is that agency's.
KIND_FOR_ADDRESSEE = {"board": "board", "all_agencies": "multi_agency", "agency": "single_agency"}
THEMES_FILE = Path(__file__).resolve().parents[2] / "seeds" / "themes.yaml"
MAX_THEMES = 6


@dataclass(frozen=True)
class ThemeDefinition:
    key: str
    label: str
    means: str
    broader: str | None = None


def load_themes(path: Path = THEMES_FILE) -> dict[str, ThemeDefinition]:
    """The documented theme vocabulary (seeds/themes.yaml), by key."""
    with open(path, encoding="utf-8") as handle:
        items = (yaml.safe_load(handle) or {}).get("themes") or []
    return {
        item["key"]: ThemeDefinition(item["key"], item["label"], item["means"], item.get("broader")) for item in items
    }


THEME_DEFINITIONS = load_themes()
THEMES = tuple(THEME_DEFINITIONS)

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


def load_display_rules(reports_dir: Path) -> dict:
    """Per report file: page header/footer patterns and word corrections (seeds/reports/display.yaml)."""
    path = reports_dir / "display.yaml"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        return (yaml.safe_load(handle) or {}).get("reports") or {}


def apply_corrections(report_text: str, corrections: list[dict]) -> str:
    """The report with each listed extraction fault mended (each must occur, or the list is out of date)."""
    for correction in corrections or []:
        if correction["printed"] not in report_text:
            raise ValueError(f"correction {correction['printed']!r} does not occur in the report")
        report_text = report_text.replace(correction["printed"], correction["reads"])
    return report_text


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
        if rec.get("sub_points_lead_in"):
            yield f"{where} lead-in to the sub-points", rec["sub_points_lead_in"]
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
        expected_kind = KIND_FOR_ADDRESSEE.get(rec.get("addressed_to"))
        if expected_kind and rec.get("kind") != expected_kind:
            problems.append(
                Problem(where, f"kind follows the addressee: '{rec.get('addressed_to')}' is {expected_kind}")
            )
        problems += _check_themes(rec, where)
    for key in review.get("participants") or []:
        if key not in agencies:
            problems.append(Problem("review participants", f"'{key}' not listed under 'agencies'"))
    joint = {}
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
        if action.get("joint_key"):
            joint.setdefault(action["joint_key"], []).append(action)
    for key, members in joint.items():
        if len({a.get("agency") for a in members}) != len(members) or len(members) < 2:
            problems.append(Problem(f"joint action '{key}'", "needs one action per agency, for two or more agencies"))
        if len({" ".join((a.get("text") or "").split()) for a in members}) != 1:
            problems.append(Problem(f"joint action '{key}'", "the agencies' actions must quote the same words"))
    return problems


def _check_themes(item: dict, where: str) -> list[Problem]:
    themes = item.get("themes") or []
    problems = [Problem(where, f"unknown theme '{t}'") for t in themes if t not in THEMES]
    if len(themes) > MAX_THEMES:
        problems.append(Problem(where, f"at most {MAX_THEMES} themes"))
    for theme in themes:
        broader = THEME_DEFINITIONS[theme].broader if theme in THEME_DEFINITIONS else None
        if broader and broader not in themes:
            problems.append(Problem(where, f"theme '{theme}' needs its broader theme '{broader}' too"))
    return problems


def check_verbatim(data: dict, report_text: str, corrections: list[dict] | None = None) -> list[Problem]:
    report_text = apply_corrections(report_text, corrections or [])
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
        corrections = (load_display_rules(reviews_dir).get(source_file) or {}).get("corrections") or []
        problems += check_verbatim(data, report, corrections)
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
