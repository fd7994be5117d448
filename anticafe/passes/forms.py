"""Forms: the admin's pass type, selling or granting a pass, cancelling one."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

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
    committee_may_issue = BooleanField(_l("A programme of the youth committee (allowances only): the committee "
                                          "sets its terms"))
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
    #: an allowance's social category (choices set by the view); admins see it later, nobody else
    social_category = SelectField(_l("Social category"), validators=[Optional()], validate_choice=False)


class ProgrammeForm(AppForm):
    """The committee's terms of a programme (choices of categories set by the view)."""

    hours = StringField(_l("Hours a month"), validators=[DataRequired(), Length(max=12)])
    places = IntegerField(_l("Places (empty: no limit)"), validators=[Optional(), NumberRange(1, 10_000)])
    categories = SelectMultipleField(_l("Who qualifies"), option_widget=CheckboxInput(),
                                     widget=ListWidget(prefix_label=False), validate_choice=False)


class CancelForm(AppForm):
    cancel_reason = StringField(_l("Why is it cancelled?"), validators=[DataRequired(), Length(max=500)])
