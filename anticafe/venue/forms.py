"""The admin's opening-hours form: seven rows, Monday first."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, FormField, TimeField
from wtforms.validators import Optional

from ..inputs import AppForm


class DayForm(Form):
    opens = TimeField(_l("Opens"), validators=[Optional()])
    closes = TimeField(_l("Closes"), validators=[Optional()])
    closed = BooleanField(_l("Closed"))


class HoursForm(AppForm):
    days = FieldList(FormField(DayForm), min_entries=7, max_entries=7)
