"""Forms of the door's pages: an event's check-in window and the undo button."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from ..inputs import AppForm

#: A day is the longest window offset that makes sense.
MAX_OFFSET_MINUTES = 24 * 60


def _offset_validators():
    return [InputRequired(message=_l("This field is required.")),
            NumberRange(0, MAX_OFFSET_MINUTES, message=_l("From 0 to %(max)s minutes.", max=MAX_OFFSET_MINUTES))]


class WindowForm(AppForm):
    opens_minutes_before = IntegerField(_l("Check-in opens (minutes before the start)"),
                                        validators=_offset_validators())
    closes_minutes_after = IntegerField(_l("Check-in closes (minutes after the end)"),
                                        validators=_offset_validators())


class UndoForm(AppForm):
    """Only the CSRF token: undoing needs no input."""
