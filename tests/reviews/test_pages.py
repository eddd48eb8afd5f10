"""The review pages show the report's words, and filter the plan by agency and status."""

from __future__ import annotations

import re

from sqlalchemy import select

from tracker.actions.models import Action
from tracker.extensions import db
from tracker.orgs.models import Agency
from tracker.reviews.models import Review


def _review(ref: str) -> Review:
    return db.session.execute(select(Review).where(Review.ref == ref)).scalar_one()


def test_review_page_shows_every_recommendation_verbatim(signed_in):
    client = signed_in("admin")
    review = _review("northants-mk-child-m")
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    for rec in review.recommendations:
        assert f"Recommendation {rec.ref}" in page
    assert "complete a quality assurance exercise against the recommendations" in page
    assert "Single-agency actions from the agencies" in page


def test_filter_by_agency_and_status(signed_in):
    client = signed_in("admin")
    review = _review("bucks-baby-k")
    police = db.session.execute(select(Agency).where(Agency.key == "thames-valley-police")).scalar_one()
    police_actions = [a for a in review.actions if a.agency_id == police.id]
    others = [a for a in review.actions if a.agency_id != police.id]
    page = client.get(f"/reviews/{review.id}?agency={police.id}").get_data(as_text=True)
    for action in police_actions:
        assert f'/actions/{action.id}"' in page
    for action in others:
        assert f'/actions/{action.id}"' not in page

    first = police_actions[0]
    first.status = "in_progress"
    db.session.flush()
    page = client.get(f"/reviews/{review.id}?agency={police.id}&status=in_progress").get_data(as_text=True)
    assert f'/actions/{first.id}"' in page
    assert all(f'/actions/{a.id}"' not in page for a in police_actions[1:])


def test_nonsense_filters_are_ignored_not_errors(signed_in):
    client = signed_in("admin")
    review = _review("mk-child-j")
    assert client.get(f"/reviews/{review.id}?agency=abc&status=%3Cscript%3E").status_code == 200


def test_action_page_shows_source_and_reported_progress(signed_in):
    client = signed_in("agency_lead")
    action = db.session.execute(
        select(Action)
        .join(Agency)
        .where(Agency.key == "thames-valley-police", Action.progress_quote.is_not(None))
        .limit(1)
    ).scalar_one()
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "What the report said of progress" in page
    assert action.agency.name in page
    assert action.progress_quote in page


def test_agency_list_is_paginated(signed_in, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    client = signed_in("agency_lead")
    first = client.get("/my-agency").get_data(as_text=True)
    assert re.search(r"Actions 1 to 3 of \d+", first) and 'rel="next"' in first and 'rel="prev"' not in first
    # Keyset pages: tests/perf/test_keyset_pages.py follows the links through every page.
