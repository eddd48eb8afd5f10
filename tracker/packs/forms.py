"""The form of the evidence packs page: what the pack covers, optional dates, and why it is needed."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from tracker.ids import parse_id
from tracker.packs.scope import KINDS, REASON_MAX, Choices
from tracker.text import CleanTextForm
from tracker.widgets import GovDateField

MESSAGES = {
    "board": "Choose the board the pack is for",
    "review": "Choose the review the pack is for",
    "agency": "Choose the agency the pack is for",
}


class PackForm(CleanTextForm):
    scope = RadioField(
        "What should the pack cover?",
        description="A board's pack holds every review of the board; an agency's pack, its actions in every "
        "review you can see",
        choices=[SelectChoice(kind, label) for kind, label in KINDS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose what the pack should cover")],
        validate_choice=True,
        invalid_choice_message="Choose what the pack should cover",
    )
    board = SelectField("Board", choices=[], validate_choice=False, widget=GovSelect())
    review = SelectField("Review", choices=[], validate_choice=False, widget=GovSelect())
    agency = SelectField("Agency", choices=[], validate_choice=False, widget=GovSelect())
    date_from = GovDateField(
        "From (optional)",
        description="Leave both dates empty for everything. For example, 1 4 2025",
        validators=[Optional()],
    )
    date_to = GovDateField("To (optional)", description="For example, 31 3 2026", validators=[Optional()])
    reason = TextAreaField(
        "Why you need this pack",
        description="For example, “Annual audit of the Child J actions for the partnership”. This is recorded in "
        "the history with the pack.",
        widget=GovTextArea(),
        validators=[
            InputRequired(message="Enter why you need this evidence pack"),
            Length(max=REASON_MAX, message=f"The reason must be {REASON_MAX} characters or fewer"),
        ],
    )
    submit = SubmitField("Download the evidence pack", widget=GovSubmitInput())

    def offer(self, choices: Choices) -> None:
        self.board.choices = [SelectChoice("", "Choose a board")] + [
            SelectChoice(str(board.id), board.name) for board in choices.boards
        ]
        self.review.choices = [SelectChoice("", "Choose a review")] + [
            SelectChoice(str(review.id), review.title) for review in choices.reviews
        ]
        self.agency.choices = [SelectChoice("", "Choose an agency")] + [
            SelectChoice(str(agency.id), agency.name) for agency in choices.agencies
        ]

    def chosen_id(self) -> int | None:
        """The id chosen for the kind of pack chosen, if it is one of those offered."""
        chooser = getattr(self, self.scope.data or "", None)
        if chooser is None:
            return None
        offered = {choice.value for choice in chooser.choices if choice.value}
        return parse_id(chooser.data) if chooser.data in offered else None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.scope.data in MESSAGES and self.chosen_id() is None:
            field = getattr(self, self.scope.data)
            field.errors = [*field.errors, MESSAGES[self.scope.data]]
            valid = False
        return valid
