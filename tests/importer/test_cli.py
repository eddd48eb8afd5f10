"""``flask import-review``: proposals as JSON without saving; an import through the seed loader's functions."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from tracker.actions.models import Action
from tracker.audit import HistoryEntry
from tracker.extensions import db
from tracker.importer.models import ReviewSource
from tracker.importer.sources import source_blocks_for
from tracker.reviews.models import Review

SAMPLE = Path(__file__).parent / "samples" / "sar-wrapped.txt"


def run(app, *args):
    return app.test_cli_runner().invoke(args=["import-review", *map(str, args)])


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_dry_run_prints_the_proposals_as_json_and_saves_nothing(app):
    with app.app_context():
        reviews, history = count(Review), count(HistoryEntry)
        result = run(app, SAMPLE, "--dry-run", "--format", "json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert set(data) == {"recommendations", "actions"}
        assert set(data["recommendations"][0]) == {"ref", "text", "sub_points", "paragraphs", "addressed_to", "kind"}
        assert set(data["actions"][0]) == {"agency", "text", "paragraphs", "reported_progress"}
        assert [r["ref"] for r in data["recommendations"]] == ["1", "2"]
        assert (count(Review), count(HistoryEntry)) == (reviews, history)


def test_import_needs_a_board(app):
    with app.app_context():
        result = run(app, SAMPLE, "--year", "2021")
        assert result.exit_code != 0
        assert "--board" in result.output


def test_a_file_that_is_not_a_report_is_refused(app, tmp_path):
    fake = tmp_path / "report.pdf"
    fake.write_text("<html><script>alert(1)</script></html>")
    with app.app_context():
        result = run(app, fake, "--dry-run")
        assert result.exit_code != 0
        assert "not a PDF" in result.output


def test_import_creates_the_review_as_the_seed_loader_does_and_keeps_the_report(app):
    with app.app_context():
        args = [SAMPLE, "--board", "milton-keynes", "--year", "2021", "--ref", "riverside-mr-p", "--child", "Mr P"]
        refused = run(app, *args)
        assert refused.exit_code != 0 and "choose the agency" in refused.output
        assert db.session.execute(select(Review).where(Review.ref == "riverside-mr-p")).first() is None
        result = run(app, *args, "--leave-out-unmatched")
        assert result.exit_code == 0, result.output
        assert "Left out" in result.output
        review = db.session.execute(select(Review).where(Review.ref == "riverside-mr-p")).scalar_one()
        assert [r.ref for r in review.recommendations] == ["1", "2"]
        assert review.recommendations[0].sub_points == [
            "staff know where to find it",
            "managers audit its use every year",
        ]
        events = set(
            db.session.execute(
                select(HistoryEntry.event).where(HistoryEntry.object_type.in_(["review", "recommendation", "action"]))
            ).scalars()
        )
        assert {"review.seeded", "recommendation.seeded", "review.imported"} <= events
        # Actions whose agency the service knows are created with the status the seed loader gives them.
        actions = db.session.execute(select(Action).where(Action.review_id == review.id)).scalars().all()
        assert actions and all(a.agency_id for a in actions)
        source = db.session.execute(select(ReviewSource).where(ReviewSource.review_id == review.id)).scalar_one()
        assert "self-neglect training" in source.text
        blocks = source_blocks_for(review)
        assert any(b["text"].startswith("Riverside Safeguarding Adults Board should") for b in blocks)
        # Run twice: the reference is taken, nothing more is created.
        again = run(app, *args, "--leave-out-unmatched")
        assert again.exit_code != 0 and "already used" in again.output
