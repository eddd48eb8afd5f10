"""The agency lead's list pages by key, not OFFSET: following "Next" visits every action once, in order,
and "Previous" walks back over the same pages."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import sign_in
from tracker.actions.models import Action
from tracker.auth.models import User
from tracker.extensions import db

LINK = r'href="(/my-agency\?[^"]+)" rel="{}"'


def action_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/actions/(\d+)"', page)]


def test_next_and_previous_visit_every_action_once(app, client, users, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    sign_in(client, users["agency_lead"])
    lead = db.session.execute(select(User).where(User.email == users["agency_lead"])).scalar_one()
    expected = list(
        db.session.execute(select(Action.id).where(Action.agency_id == lead.agency_id).order_by(Action.id)).scalars()
    )
    assert len(expected) > 6  # enough for three pages at least

    pages, path = [], "/my-agency"
    while path:
        response = client.get(path.replace("&amp;", "&"))
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Your agency&#39;s actions" in page or "Your agency's actions" in page
        pages.append(action_ids(page))
        shown = f"Actions {sum(map(len, pages)) - len(pages[-1]) + 1} to {sum(map(len, pages))} of {len(expected)}"
        assert shown in page
        found = re.search(LINK.format("next"), page)
        path = found.group(1) if found else None
    assert [n for ids in pages for n in ids] == expected
    assert all(len(ids) == 3 for ids in pages[:-1])

    back = []
    path = re.search(LINK.format("prev"), client.get(f"/my-agency?after={pages[-2][-1]}").get_data(as_text=True))
    while path:
        page = client.get(path.group(1).replace("&amp;", "&")).get_data(as_text=True)
        back.append(action_ids(page))
        path = re.search(LINK.format("prev"), page)
    assert list(reversed(back)) == pages[:-1]


def test_the_first_page_has_no_previous_link_and_filters_are_kept(app, client, users, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    sign_in(client, users["agency_lead"])
    page = client.get("/my-agency?status=not_started").get_data(as_text=True)
    assert 'rel="prev"' not in page
    assert re.search(r'href="/my-agency\?after=\d+&amp;status=not_started" rel="next"', page)
