"""Forms for staff: create (once or as a weekly series), edit (this one or the following too), cancel."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..inputs import AppForm
from .models import Category, Entry
from .recurrence import MAX_INTERVAL_WEEKS, MAX_OCCURRENCES
from .services import CATEGORY_LABELS, ENTRY_LABELS

_DATETIME = "%Y-%m-%dT%H:%M"
_REQUIRED = _l("This field is required.")


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class EventForm(AppForm):
    """The fields every event has."""

    title = StringField(_l("Title"), validators=[InputRequired(message=_REQUIRED), Length(max=200)])
    category = SelectField(_l("Category"), choices=[SelectChoice(c.value, CATEGORY_LABELS[c]) for c in Category],
                           default=Category.OTHER.value)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    starts_at = DateTimeLocalField(_l("Starts"), format=_DATETIME, validators=[
        InputRequired(message=_REQUIRED)])
    ends_at = DateTimeLocalField(_l("Ends"), format=_DATETIME, validators=[InputRequired(message=_REQUIRED)])
    capacity = IntegerField(_l("Number of seats"), validators=[Optional(), NumberRange(min=0, max=10000)])
    min_age = IntegerField(_l("From age"), validators=[Optional(), NumberRange(min=0, max=100)])
    max_age = IntegerField(_l("Up to age"), validators=[Optional(), NumberRange(min=0, max=100)])
    registration_opens_at = DateTimeLocalField(_l("Registration opens"), format=_DATETIME,
                                               validators=[Optional()])
    registration_closes_at = DateTimeLocalField(_l("Registration closes"), format=_DATETIME,
                                                validators=[Optional()])
    entry = RadioField(_l("Entry"), choices=[SelectChoice(e.value, ENTRY_LABELS[e]) for e in Entry],
                       default=Entry.FREE.value)
    organiser = StringField(_l("Organiser or partner"), validators=[Optional(), Length(max=200)])
    zone_id = SelectField(_l("Zone"), coerce=_optional_int, validate_choice=False)
    cover = FileField(_l("Cover picture"))
    remove_cover = BooleanField(_l("Remove the cover picture"))

    def event_data(self) -> dict:
        """Return the fields as `services` expects them (naive times are venue time)."""
        return {
            "title": self.title.data, "category": self.category.data, "description": self.description.data or "",
            "starts_at": self.starts_at.data, "ends_at": self.ends_at.data, "capacity": self.capacity.data,
            "min_age": self.min_age.data, "max_age": self.max_age.data,
            "registration_opens_at": self.registration_opens_at.data,
            "registration_closes_at": self.registration_closes_at.data, "entry": self.entry.data,
            "organiser": self.organiser.data, "zone_id": self.zone_id.data,
        }


class NewEventForm(EventForm):
    """Creating: publish at once or keep a draft; optionally repeat weekly."""

    published = BooleanField(_l("Publish now (visitors see it and can register)"), default=True)
    repeat = RadioField(_l("Repeat"), choices=[SelectChoice("", _l("Does not repeat")),
                                                SelectChoice("weekly", _l("Repeats weekly"))],
                        default="")
    interval_weeks = IntegerField(_l("Every how many weeks"), default=1, validators=[
        Optional(), NumberRange(min=1, max=MAX_INTERVAL_WEEKS)])
    repeat_end = RadioField(_l("The series ends"), default="count",
                            choices=[SelectChoice("until", _l("On a date")),
                                     SelectChoice("count", _l("After a number of events"))])
    until = DateField(_l("Last date"), validators=[Optional()])
    count = IntegerField(_l("Number of events"), validators=[Optional(), NumberRange(min=2, max=MAX_OCCURRENCES)])


class EditEventForm(EventForm):
    """Editing an occurrence of a series asks whether the later ones change too."""

    scope = RadioField(_l("Apply the changes to"),
                       choices=[SelectChoice("this", _l("This event only")),
                                SelectChoice("following", _l("This and the following events"))],
                       default="this")


class CancelForm(AppForm):
    """Cancelling: a reason for the registrants and, for a series, how far it reaches."""

    reason = TextAreaField(_l("Reason (sent to everybody registered)"), validators=[Optional(), Length(max=1000)])
    scope = RadioField(_l("Cancel"), choices=[SelectChoice("this", _l("This event only")),
                                               SelectChoice("following", _l("This and the following events"))],
                       default="this")
