"""Every model, imported in one place so that the metadata (and Alembic) sees every table."""

from tracker.actions.models import Action
from tracker.assurance.models import AgencyReturn, Exercise, ExerciseItem, SignOff, Submission
from tracker.audit import HistoryEntry
from tracker.auth.models import FailedSignIn, Invitation, PasswordReset, RecoveryCode, User
from tracker.evidence.models import EvidenceFile, EvidenceItem
from tracker.importer.models import ReviewImport, ReviewSource
from tracker.jobs.models import Job
from tracker.orgs.models import Agency, Board
from tracker.outbox.models import OutboxMessage
from tracker.reminders.models import ReminderSent
from tracker.reviews.models import Recommendation, Review, Theme
from tracker.timeline.models import ActionPeriod

__all__ = [
    "Action",
    "ActionPeriod",
    "Agency",
    "AgencyReturn",
    "Board",
    "EvidenceFile",
    "EvidenceItem",
    "Exercise",
    "ExerciseItem",
    "FailedSignIn",
    "HistoryEntry",
    "Invitation",
    "Job",
    "OutboxMessage",
    "PasswordReset",
    "Recommendation",
    "RecoveryCode",
    "ReminderSent",
    "Review",
    "ReviewImport",
    "ReviewSource",
    "SignOff",
    "Submission",
    "Theme",
    "User",
]
