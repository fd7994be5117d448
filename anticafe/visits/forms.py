"""Forms of the live board, the checkout, corrections and the admin's tariff editor."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..inputs import AppForm
from ..payments import PaymentMethod
from .pricing import parse_decimal


class RublesField(StringField):
    """A money or rate field that accepts "2,5" as well as "2.5"; `data` is a Decimal or None."""

    def process_formdata(self, valuelist):
        self.raw_text = valuelist[0] if valuelist else ""
        if not self.raw_text.strip():
            self.data = None
            return
        value = parse_decimal(self.raw_text)
        if value is None:
            self.data = None
            raise ValueError(_l("Enter a number, e.g. 2.5."))
        self.data = value

    def _value(self):
        if getattr(self, "raw_text", None) is not None:
            return self.raw_text
        if self.data is None:
            return ""
        text = format(self.data.normalize(), "f")
        return text


def method_choices():
    from .tariffs import METHOD_LABELS

    return [SelectChoice(m.value, METHOD_LABELS[m]) for m in PaymentMethod]


class StartForm(AppForm):
    user_id = HiddenField(validators=[DataRequired()])
    guest_category = SelectField(_l("Category"), choices=[], validate_choice=False)
    override_reason = StringField(_l("Reason to let in beyond capacity"), validators=[Optional(), Length(max=500)])


class WalkInForm(AppForm):
    name = StringField(_l("Guest's name"), validators=[DataRequired(), Length(max=120)])
    phone = TelField(_l("Phone (optional)"), validators=[Optional(), Length(max=32)])
    birth_date = DateField(_l("Date of birth (optional)"), validators=[Optional()])
    guest_category = SelectField(_l("Category"), choices=[], validate_choice=False)
    override_reason = StringField(_l("Reason to let in beyond capacity"), validators=[Optional(), Length(max=500)])


class PayForm(AppForm):
    payment_method = RadioField(_l("Payment"), choices=[], validators=[InputRequired(_l("Choose how the guest pays."))])
    note = StringField(_l("Reason or remark"), validators=[Optional(), Length(max=1000)],
                       description=_l("Required for free or subsidised time: who pays and why."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.payment_method.choices = method_choices()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()




class CorrectionForm(AppForm):
    started_at = DateTimeLocalField(_l("Start"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    ended_at = DateTimeLocalField(_l("End"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    guest_category = SelectField(_l("Category"), choices=[], validate_choice=False)
    reopen = BooleanField(_l("Stopped by mistake: the guest is still inside"))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give the reason for the correction.")),
                                                     Length(max=1000)])


class TierForm(Form):
    first_minute = IntegerField(_l("From minute"), validators=[Optional(), NumberRange(min=1, max=24 * 60)])
    rate = RublesField(_l("₽ a minute"))


class DiscountForm(Form):
    code = HiddenField()
    percent = RublesField(_l("Discount, %"))


#: Rate rows in the editor (blank rows are ignored).
TIER_ROWS = 4


class TariffForm(AppForm):
    unit_minutes = IntegerField(_l("Billing unit, minutes"), validators=[InputRequired(), NumberRange(min=1, max=60)],
                                description=_l("1 = by started minute."))
    grace_minutes = IntegerField(_l("Free minutes"), validators=[InputRequired(), NumberRange(min=0, max=60)],
                                 description=_l("A visit this long or shorter costs nothing."))
    minimum_charge = RublesField(_l("Minimum charge, ₽"), description=_l("0 = no minimum."))
    weekday_tiers = FieldList(FormField(TierForm), min_entries=TIER_ROWS, max_entries=TIER_ROWS)
    weekday_cap = RublesField(_l("Cap per visit on weekdays, ₽"), description=_l("Empty = no cap."))
    weekend_same = BooleanField(_l("Weekends and holidays have the same rates"))
    weekend_tiers = FieldList(FormField(TierForm), min_entries=TIER_ROWS, max_entries=TIER_ROWS)
    weekend_cap = RublesField(_l("Cap per visit at weekends and holidays, ₽"), description=_l("Empty = no cap."))
    discounts = FieldList(FormField(DiscountForm))
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=200)])


class CategoryForm(AppForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Latin letters, e.g. volunteer."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    discount = RublesField(_l("Discount, %"))


class HolidayForm(AppForm):
    day = DateField(_l("Date"), validators=[InputRequired(_l("This field is required."))])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
