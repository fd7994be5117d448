"""Forms: the admin's pass type, selling or granting a pass, cancelling one."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..inputs import AppForm
from ..visits.tariffs import METHOD_LABELS
from .rules import MAX_MONTHS, PAYMENT_METHODS, PassKind


class PassTypeForm(AppForm):
    name = StringField(_l("Pass name"), validators=[DataRequired(), Length(max=120)])
    #: choices are named in the request's language by the view (`kind_choices`)
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind.value, kind.value) for kind in PassKind])
    #: hours as typed ("10", "7,5"); read by the view
    hours = StringField(_l("Time, hours"), validators=[Optional(), Length(max=12)])
    validity_days = IntegerField(_l("Valid for, days"), validators=[Optional()])
    price = StringField(_l("Price, ₽"), validators=[Optional(), Length(max=12)])
    weekdays_only = BooleanField(_l("Weekdays only (not at weekends or on holidays)"))
    staff_may_issue = BooleanField(_l("Staff may sell or grant it"), default=True)
    committee_may_issue = BooleanField(_l("The youth committee may grant it (allowances only)"))
    active = BooleanField(_l("On sale"), default=True)
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class IssueForm(AppForm):
    pass_type = SelectField(_l("Pass"), coerce=int, validate_choice=False)
    payment_method = RadioField(_l("Payment method"),
                                choices=[SelectChoice(m, METHOD_LABELS[m]) for m in PAYMENT_METHODS],
                                validators=[Optional()], validate_choice=False)
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    months = IntegerField(_l("Number of months"), default=1, validators=[Optional(), NumberRange(1, MAX_MONTHS)])


class CancelForm(AppForm):
    cancel_reason = StringField(_l("Why is it cancelled?"), validators=[DataRequired(), Length(max=500)])
