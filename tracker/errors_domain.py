"""Domain errors raised by services and turned by views into form errors, 403 or 409 pages."""

from __future__ import annotations


class DomainError(ValueError):
    """A request the rules refuse, with the reason in words a person understands."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(DomainError):
    """The user may not do this to this object."""


class StaleEdit(DomainError):
    """Someone else saved this object after the form was loaded; ``changes`` says what they changed."""

    def __init__(self, message: str, changes: list[str]):
        super().__init__(message)
        self.changes = changes
