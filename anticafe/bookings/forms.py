"""Forms for requesting a booking, booking as staff, deciding, closures, payments and zones."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..inputs import AppForm
from .availability import CLOSURE_REASONS
from .rules import MAX_REPEAT_WEEKS
from .services import PAYMENT_METHODS

REQUIRED = _l("This field is required.")


class RequestForm(AppForm):
    """A visitor's request: the zone and the day come from the page; times only from the free ones."""

    start = SelectField(_l("Start time"), validators=[DataRequired(message=REQUIRED)], validate_choice=False)
    end = SelectField(_l("End time"), validators=[DataRequired(message=REQUIRED)], validate_choice=False)
    party_size = IntegerField(_l("How many people"), validators=[InputRequired(message=REQUIRED),
                                                                 NumberRange(min=1, max=1000)])
    purpose = StringField(_l("What for"), validators=[Optional(), Length(max=200)])
    contact = StringField(_l("Phone or messenger to reach you"), validators=[Optional(), Length(max=120)])


class StaffBookingForm(AppForm):
    """Staff book directly (confirmed at once), once or every week."""

    zone = SelectField(_l("Zone"), coerce=int, validators=[InputRequired(message=REQUIRED)])
    day = DateField(_l("Date"), validators=[InputRequired(message=REQUIRED)])
    start = TimeField(_l("Start time"), validators=[InputRequired(message=REQUIRED)])
    end = TimeField(_l("End time"), validators=[InputRequired(message=REQUIRED)])
    party_size = IntegerField(_l("How many people"), validators=[InputRequired(message=REQUIRED),
                                                                 NumberRange(min=1, max=1000)])
    purpose = StringField(_l("What for"), validators=[Optional(), Length(max=200)])
    account = StringField(_l("Booker's account: email or phone (optional)"),
                          validators=[Optional(), Length(max=254)])
    booker_name = StringField(_l("Booker's name"), validators=[Optional(), Length(max=120)])
    contact = StringField(_l("Contact"), validators=[Optional(), Length(max=120)])
    weeks = IntegerField(_l("Repeat weekly, number of weeks"), default=1,
                         validators=[InputRequired(message=REQUIRED), NumberRange(min=1, max=MAX_REPEAT_WEEKS)])
    skip_conflicts = BooleanField(_l("Skip the weeks that are taken"))
    message = TextAreaField(_l("Note to the booker (optional)"), validators=[Optional(), Length(max=1000)])


class DecisionForm(AppForm):
    """Confirm, decline or cancel, with a message to the booker."""

    message = TextAreaField(_l("Message to the booker"), validators=[Optional(), Length(max=1000)])


class CheckInForm(AppForm):
    """How many of the party came in (zones without a price start a timed visit for each)."""

    guests = IntegerField(_l("People who came"), validators=[Optional(), NumberRange(min=1, max=1000)])


class PaymentForm(AppForm):
    method = SelectField(_l("Payment method"),
                         choices=[SelectChoice(key.value, label) for key, label in PAYMENT_METHODS.items()])


class ClosureForm(AppForm):
    """Block a zone or the whole café for a time."""

    zone = SelectField(_l("Zone"), validators=[Optional()])
    starts_at = DateTimeLocalField(_l("Start time"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(message=REQUIRED)])
    ends_at = DateTimeLocalField(_l("End time"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(message=REQUIRED)])
    reason = SelectField(_l("Reason"),
                         choices=[SelectChoice(key.value, label) for key, label in CLOSURE_REASONS.items()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class ZoneForm(AppForm):
    """An admin's zone: name, capacity, price and photo."""

    name = StringField(_l("Zone name"), validators=[DataRequired(message=REQUIRED), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    capacity = IntegerField(_l("Capacity, people"), validators=[InputRequired(message=REQUIRED),
                                                                NumberRange(min=1, max=1000)])
    bookable = BooleanField(_l("Can be booked"), default=True)
    price_per_hour = StringField(_l("Price per hour, ₽ (empty: guests pay for their time as usual)"),
                                 validators=[Optional(), Length(max=20)])
    photo = FileField(_l("Photo (JPEG, PNG or WebP, up to 5 MB)"))
    remove_photo = BooleanField(_l("Remove the photo"))
