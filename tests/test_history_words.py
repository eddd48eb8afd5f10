"""The history in plain words: sentences with names, system actors named, GOV.UK dates."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from tracker.history_words import govuk_datetime, plain_dates, sentence


def _entry(event, summary, actor_id=None, actor_label="someone@example.invalid"):
    return SimpleNamespace(
        event=event, summary=summary, actor_id=actor_id, actor_label=actor_label, at=datetime(2026, 12, 1, 14, 5)
    )


def test_seeded_entries_say_where_they_came_from():
    entry = _entry(
        "action.seeded", "Loaded action bucks-baby-k:rec:8.2.1 from the seed file", actor_label="seed loader"
    )
    said = sentence(entry, {})
    assert said.words == "Loaded from the published report" and "seed" not in said.who


def test_people_are_named_and_what_changed_is_said():
    names = {7: "Alex Agency-Lead"}
    added = sentence(
        _entry("evidence.added", "Evidence of implementation added: “Protocol v2.pdf”, with 1 file", 7), names
    )
    assert added.words == "Alex Agency-Lead added evidence of implementation: “Protocol v2.pdf”, with 1 file"
    assured = sentence(_entry("action.assured", "Assured; re-check due 2027-06-01: Good work", 7), names)
    assert assured.words == "Alex Agency-Lead accepted it: assured; re-check due 1 June 2027: Good work"
    other = sentence(_entry("action.unknown", "Something odd", 7), names)
    assert other.words == "Alex Agency-Lead: Something odd"


def test_one_date_style():
    assert (
        plain_dates("due date moved from 2026-01-31 to 2026-12-01")
        == "due date moved from 31 January 2026 to 1 December 2026"
    )
    assert govuk_datetime(datetime(2026, 12, 1, 14, 5)) == "1 December 2026 at 2:05pm"
    assert govuk_datetime(datetime(2026, 12, 1, 12, 0)) == "1 December 2026 at midday"
    assert govuk_datetime(datetime(2026, 12, 1, 9, 30)) == "1 December 2026 at 9:30am"
