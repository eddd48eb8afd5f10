"""The history in plain words for the pages people read: one sentence per entry, with the person's name (not
their e-mail address) and what they did; system actors named for what they are; dates in the GOV.UK style.

The stored entries are hash-chained and never rewritten (``audit.py``), so the words are made here, when a page
is drawn, from the stored summary and event. Evidence packs and exports keep the stored text unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.auth.models import User

# Actors that are not people: what each is, in words.
SYSTEM_ACTORS = {
    "seed loader": "Loaded from the published report",
    "send-reminders": "The reminder e-mails",
    "command line": "An administrator, at the command line",
    "make run": "The demonstration set-up",
    "system": "The service",
}

# Events whose stored summary starts with a noun phrase ("Plan changed: …"): the verb a sentence needs, and
# the part of the summary to drop before the rest is appended.
_SENTENCES = {
    "action.created": ("created this action", "Action created"),
    "action.planned": ("changed the plan:", "Plan changed:"),
    "action.reassigned": ("changed the owner", "Owner changed"),
    "action.status": ("changed the status", "Status changed"),
    "action.submitted": ("submitted it", "Submitted"),
    "action.assured": ("accepted it: assured", "Assured"),
    "action.returned": ("returned it to the agency", "Returned to the agency"),
    "action.embedded": (
        "confirmed the re-check: the change was maintained (embedded)",
        "Re-check confirmed: the change was maintained (embedded)",
    ),
    "action.reopened": (
        "did not confirm the re-check: the action is reopened",
        "Re-check not confirmed: the action is reopened",
    ),
    "evidence.corrected": ("corrected evidence", "Evidence"),
    "evidence.downloaded": ("downloaded", "Downloaded"),
}

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SEEDED = re.compile(r"^(Loaded|Corrected) .+ from the seed file$")


def govuk_date(value: date | None) -> str:
    """1 December 2026."""
    return f"{value.day} {value:%B %Y}" if value else ""


def govuk_datetime(value: datetime | None) -> str:
    """1 December 2026 at 2:05pm (GOV.UK style: no leading zero, am/pm, midday and midnight in words)."""
    if value is None:
        return ""
    if value.hour == 12 and value.minute == 0:
        time = "midday"
    elif value.hour == 0 and value.minute == 0:
        time = "midnight"
    else:
        time = f"{value.hour % 12 or 12}:{value.minute:02d}{'am' if value.hour < 12 else 'pm'}"
    return f"{govuk_date(value)} at {time}"


def plain_dates(text: str) -> str:
    """ISO dates written into a stored summary (2026-12-01) in the GOV.UK style (1 December 2026)."""

    def words(match: re.Match) -> str:
        try:
            return govuk_date(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return match[0]

    return _ISO_DATE.sub(words, text)


@dataclass(frozen=True)
class Sentence:
    at: datetime
    who: str
    words: str  # the whole sentence, starting with who


def _rest(summary: str, prefix: str) -> str | None:
    """What follows the prefix, with its own punctuation (": reasons", " from … to …"), or None."""
    return summary[len(prefix) :] if summary.startswith(prefix) else None


def sentence(entry, names: dict[int, str]) -> Sentence:
    system = SYSTEM_ACTORS.get(entry.actor_label) if entry.actor_id is None else None
    summary = plain_dates(entry.summary)
    if system is not None:
        if entry.actor_label == "seed loader" and _SEEDED.match(entry.summary):
            words = (
                "Loaded from the published report"
                if entry.summary.startswith("Loaded")
                else "Corrected from the published report"
            )
            return Sentence(entry.at, system, words)
        return Sentence(entry.at, system, f"{system}: {summary}")
    who = names.get(entry.actor_id) or ("Someone no longer on the service" if entry.actor_id else "The service")
    if entry.event == "evidence.added" and " added: " in summary:
        kind, rest = summary.split(" added: ", 1)
        return Sentence(entry.at, who, f"{who} added {kind[:1].lower()}{kind[1:]}: {rest}")
    verb, prefix = _SENTENCES.get(entry.event, (None, None))
    rest = _rest(summary, prefix) if prefix else None
    if rest is None:
        return Sentence(entry.at, who, f"{who}: {summary}")
    if entry.event == "evidence.corrected":
        rest = rest.replace(" corrected:", ":", 1)
    return Sentence(entry.at, who, f"{who} {verb}{rest}")


def sentences(session: Session, entries) -> list[Sentence]:
    """Every entry as a sentence; the people's names in one query."""
    entries = list(entries)
    ids = {entry.actor_id for entry in entries if entry.actor_id is not None}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    return [sentence(entry, names) for entry in entries]
