"""The recurring-themes report counts the themes actions carry, as well as recommendations'."""

from __future__ import annotations

from tracker.extensions import db
from tracker.reports.builder import build_report
from tracker.reports.scope import scope_for


def _themes(plan) -> dict:
    return {t.key: t for t in build_report(db.session, scope_for(board=plan.board)).themes}


def test_a_theme_only_actions_carry_is_counted_with_the_reviews_it_recurs_in(plan):
    assert "domestic-abuse" not in _themes(plan)
    plan.acts["A1"].themes = ["domestic-abuse"]
    plan.acts["C1"].themes = ["domestic-abuse", "domestic-abuse"]
    db.session.flush()
    theme = _themes(plan)["domestic-abuse"]
    assert (theme.recommendations, theme.actions) == (0, 2)
    assert [title for _, title in theme.reviews] == ["Review report-test-a", "Review report-test-c"]
    assert theme.recurring


def test_an_actions_theme_adds_its_review_to_a_recommendations_theme(plan):
    before = _themes(plan)["neglect"]
    assert (before.recommendations, before.actions, len(before.reviews)) == (2, 0, 2)
    plan.acts["C1"].themes = ["neglect"]
    db.session.flush()
    after = _themes(plan)["neglect"]
    assert (after.recommendations, after.actions, len(after.reviews)) == (2, 1, 3)
