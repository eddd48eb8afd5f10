"""Every model, imported in one place so that the metadata (and Alembic) sees every table."""

from tracker.actions.models import Action
from tracker.audit import HistoryEntry
from tracker.auth.models import FailedSignIn, User
from tracker.orgs.models import Agency, Board
from tracker.reviews.models import Recommendation, Review, Theme

__all__ = [
    "Action",
    "Agency",
    "Board",
    "FailedSignIn",
    "HistoryEntry",
    "Recommendation",
    "Review",
    "Theme",
    "User",
]
