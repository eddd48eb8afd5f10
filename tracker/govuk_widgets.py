"""The GOV.UK form widgets (govuk-frontend-wtf), each drawing a given set of parameters once per process.

A widget turns its field into a dict of parameters and renders a GOV.UK macro with them; the markup is a
function of that dict alone (the macros read nothing else), yet drawing it through the nested macros is most
of what a form costs to show: the action page spent a fifth of its time there. So the markup is kept, keyed
by the template and an exact spelling of the parameters, and drawn again only for parameters not seen
before. The spelling is ``repr`` over plain values only (``str``, ``Markup``, numbers, ``None``, and lists
and dicts of them, in their order), so that ``Markup("<b>")`` and ``"<b>"``, which render differently, never
share an entry; parameters holding anything else are drawn every time. Import the widgets from here, not
from govuk_frontend_wtf, with the same names.
"""

from __future__ import annotations

from govuk_frontend_wtf import wtforms_widgets as govuk
from markupsafe import Markup

# Enough for every distinct form field the pages draw (an owner select per agency and owner, the empty
# fields of every form); when it is full it starts again empty, so posted values never pile up.
LIMIT = 2048
_drawn: dict[tuple[str, str], Markup] = {}
_PLAIN = (str, Markup, int, float, bool, type(None))


def _plain(value) -> bool:
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind in (list, tuple):
        return all(_plain(v) for v in value)
    return False


class _DrawnOnce:
    def render(self, params):
        if not _plain(params):
            return super().render(params)
        key = (self.template, repr(params))
        html = _drawn.get(key)
        if html is None:
            html = super().render(params)
            if len(_drawn) >= LIMIT:
                _drawn.clear()
            _drawn[key] = html
        return html


class GovCharacterCount(_DrawnOnce, govuk.GovCharacterCount):
    pass


class GovCheckboxInput(_DrawnOnce, govuk.GovCheckboxInput):
    pass


class GovCheckboxesInput(_DrawnOnce, govuk.GovCheckboxesInput):
    pass


class GovDateInput(_DrawnOnce, govuk.GovDateInput):
    pass


class GovRadioInput(_DrawnOnce, govuk.GovRadioInput):
    pass


class GovSelect(_DrawnOnce, govuk.GovSelect):
    pass


class GovSubmitInput(_DrawnOnce, govuk.GovSubmitInput):
    pass


class GovTextArea(_DrawnOnce, govuk.GovTextArea):
    pass


class GovTextInput(_DrawnOnce, govuk.GovTextInput):
    pass
