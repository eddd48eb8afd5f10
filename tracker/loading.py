"""Loading one object for a view: 404 when it does not exist or the user may not see it.

Out-of-reach objects answer 404, not 403, so that guessing ids reveals nothing about what exists.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask_login import current_user

from tracker.extensions import db


def load_visible(model, object_id: int, can_view: Callable, options=()) -> object:
    """``options``: loader options, so that a page reads what it shows with the object, in one statement."""
    obj = db.session.get(model, object_id, options=options)
    if obj is None or not can_view(current_user, obj):
        abort(404)
    return obj
