"""The admin's opening-hours form: seven rows, Monday first."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, TimeField
from wtforms.validators import Optional

from ..i18n import SubForm


class DayForm(SubForm):
    opens = TimeField(_l("Opens"), validators=[Optional()])
    closes = TimeField(_l("Closes"), validators=[Optional()])
    closed = BooleanField(_l("Closed"))


class HoursForm(FlaskForm):
    days = FieldList(FormField(DayForm), min_entries=7, max_entries=7)
