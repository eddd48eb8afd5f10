"""The plan export holds every recommendation and single-agency action verbatim; CSV cells are safe."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml

from tests.conftest import SEEDS_DIR
from tracker.exports.cells import safe_cell
from tracker.extensions import db
from tracker.reviews.models import Review


def _seed_files():
    for path in sorted((SEEDS_DIR / "reviews").glob("*.yaml")):
        yield yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def _export(app, fmt):
    result = app.test_cli_runner().invoke(args=["export-plan", "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_export_holds_every_recommendation_and_action_verbatim(app):
    plan = json.loads(_export(app, "json"))
    by_ref = {review["ref"]: review for review in plan["reviews"]}
    assert len(by_ref) == 5
    for data in _seed_files():
        exported = by_ref[data["review"]["ref"]]
        recs = {rec["ref"]: rec for rec in exported["recommendations"]}
        assert set(recs) == {str(r["ref"]) for r in data["recommendations"]}
        for rec in data["recommendations"]:
            out = recs[str(rec["ref"])]
            assert out["text"] == rec["text"].strip()
            assert out["sub_points"] == (rec.get("sub_points") or [])
            assert out["kind"] == rec["kind"]
            assert set(out["themes"]) == set(rec["themes"])
        exported_actions = [a["text"] for rec in exported["recommendations"] for a in rec["actions"]]
        exported_actions += [a["text"] for a in exported["agency_actions"]]
        for action in data.get("agency_actions") or []:
            assert action["text"].strip() in exported_actions


def test_csv_export_has_a_row_for_every_action_and_unactioned_recommendation(app):
    rows = list(csv.DictReader(io.StringIO(_export(app, "csv"))))
    action_ids = {row["action_id"] for row in rows if row["action_id"]}
    assert len(action_ids) == 85
    recs_without_actions = [r for r in rows if r["recommendation_ref"] and not r["action_id"]]
    total_recs = {(r["review_ref"], r["recommendation_ref"]) for r in rows if r["recommendation_ref"]}
    assert len(total_recs) == 62 and recs_without_actions


def test_csv_cells_cannot_become_formulas(app):
    review = db.session.execute(select_review("mk-child-j")).scalar_one()
    review.title = '=HYPERLINK("http://evil.example","click")'
    db.session.flush()
    rows = list(csv.reader(io.StringIO(_export(app, "csv"))))
    titles = {row[1] for row in rows[1:] if row[0] == "mk-child-j"}
    assert titles == {'\'=HYPERLINK("http://evil.example","click")'}


def select_review(ref):
    from sqlalchemy import select

    return select(Review).where(Review.ref == ref)


def test_safe_cell_guards_every_formula_start():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(start + "1+1").startswith("'")
    assert safe_cell("Plain text") == "Plain text"
    assert safe_cell(None) == ""


def test_download_is_recorded_in_the_history(signed_in):
    from sqlalchemy import select

    from tracker.audit import HistoryEntry

    client = signed_in("auditor")
    response = client.post("/export/plan.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    entry = db.session.execute(select(HistoryEntry).order_by(HistoryEntry.id.desc()).limit(1)).scalar_one()
    assert entry.event == "export.plan" and entry.after == {"format": "csv"}
