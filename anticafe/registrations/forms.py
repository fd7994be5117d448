"""Forms for staff at an event's registrations page (the one-tap buttons need only the CSRF token)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, TelField
from wtforms.validators import DataRequired, Length, Optional

from ..inputs import AppForm


class WalkInForm(AppForm):
    """A guest without an account, registered on the spot by staff."""

    name = StringField(_l("Name"), validators=[DataRequired(message=_l("This field is required.")), Length(max=120)])
    phone = TelField(_l("Phone (optional)"), validators=[Optional(), Length(max=32)])
    birth_date = DateField(_l("Date of birth (needed for age-limited events)"), validators=[Optional()])
