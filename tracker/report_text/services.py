"""Changing an action's title: board members only, on the version they loaded, with a history entry."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.orm import Session

from tracker import permissions
from tracker.actions.models import Action
from tracker.actions.services import check_version, record
from tracker.errors_domain import DomainError, NotPermitted

TITLE_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def set_action_title(session: Session, actor, action: Action, title: str | None, version) -> Action:
    if not permissions.can_edit_action_title(actor, action):
        raise NotPermitted("Only a board member of this review's board can change an action's title")
    check_version(session, action, version)
    cleaned = " ".join(unicodedata.normalize("NFC", title or "").split())
    if _CONTROL.search(cleaned):
        raise DomainError("The title cannot contain control characters", field="title")
    if len(cleaned) > TITLE_MAX:
        raise DomainError(f"The title must be {TITLE_MAX} characters or fewer", field="title")
    new = cleaned or None
    if new == action.title:
        return action
    before = action.title
    action.title = new
    record(
        session,
        actor,
        action,
        "action.title_changed",
        f"Title {'set to “' + new + '”' if new else 'cleared (the first sentence is shown)'}",
        before={"title": before},
        after={"title": new},
    )
    return action
