"""The GOV.UK widgets draw each set of parameters once: what they return is what the macro draws."""

from __future__ import annotations

from govuk_frontend_wtf import wtforms_widgets as govuk
from markupsafe import Markup
from wtforms import Form, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice

from tracker import govuk_widgets

CHOICES = [SelectChoice("", "Not assigned"), SelectChoice("1", "A <lead>")]


class _Plain(Form):
    owner = SelectField("Owner", widget=govuk.GovSelect(), choices=CHOICES)
    notes = TextAreaField("Notes", widget=govuk.GovTextArea())


class _Drawn(Form):
    owner = SelectField("Owner", widget=govuk_widgets.GovSelect(), choices=CHOICES)
    notes = TextAreaField("Notes", widget=govuk_widgets.GovTextArea())


def test_the_markup_is_the_macros_whatever_the_values(app):
    with app.test_request_context():
        for data in ({}, {"owner": "1"}, {"owner": "", "notes": "<script>x</script>"}, {"notes": "Second"}):
            for _ in range(2):  # drawn, then remembered
                plain, drawn = _Plain(data=data), _Drawn(data=data)
                assert str(drawn.owner()) == str(plain.owner())
                assert str(drawn.notes()) == str(plain.notes())
                assert str(drawn.notes(params={"label": {"text": "Why?"}})) == str(
                    plain.notes(params={"label": {"text": "Why?"}})
                )
        assert "&lt;script&gt;" in str(_Drawn(data={"notes": "<script>x</script>"}).notes())


def test_markup_and_text_never_share_an_entry(app):
    """``"<b>"`` is escaped and ``Markup("<b>")`` is not: the same words, two different drawings."""
    with app.test_request_context():
        widget = govuk_widgets.GovTextArea()
        as_text = widget.render({"id": "n", "name": "n", "label": {"text": "<b>Bold</b>"}})
        as_markup = widget.render({"id": "n", "name": "n", "label": {"text": Markup("<b>Bold</b>")}})
        assert "&lt;b&gt;Bold" in as_text and "<b>Bold</b>" in as_markup


def test_the_store_stays_bounded(app, monkeypatch):
    monkeypatch.setattr(govuk_widgets, "LIMIT", 5)
    monkeypatch.setattr(govuk_widgets, "_drawn", {})
    with app.test_request_context():
        for n in range(12):
            _Drawn(data={"notes": f"Note {n}"}).notes()
            assert len(govuk_widgets._drawn) <= 5
