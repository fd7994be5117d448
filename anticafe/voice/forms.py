"""Forms: rating an event, proposing an idea, staff deciding it, contests (setting one up, entering,
deciding an entry), and the CSRF-only buttons."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..inputs import AppForm
from .rules import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    ENTRY_TITLE_MAX,
    JURY_MAX,
    ORDER_MAX,
    REASON_MAX,
    RULES_MAX,
    TITLE_MAX,
    URL_MAX,
)

_DATETIME = "%Y-%m-%dT%H:%M"


class RateForm(FlaskForm):
    rating = RadioField(_l("Your rating"), choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
                        validators=[DataRequired(_l("Choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("A short comment (optional)"), validators=[Optional(), Length(max=COMMENT_MAX)])


class IdeaForm(FlaskForm):
    title = StringField(_l("What should we hold?"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("What happens there"), validators=[DataRequired(), Length(max=DESCRIPTION_MAX)])
    #: choices are named in the request's language by the view
    category = SelectField(_l("Category"))
    ages = SelectField(_l("For which ages"))


class MoveForm(FlaskForm):
    status = SelectField(_l("New status"))
    event_id = SelectField(_l("The event it became"), validate_choice=False)
    reason = TextAreaField(_l("Why it is declined (shown to everybody)"),
                           validators=[Optional(), Length(max=REASON_MAX)])


class ButtonForm(FlaskForm):
    """A button that only needs the CSRF token (vote, withdraw, hide)."""

    value = HiddenField()


class ContestForm(AppForm):
    """Staff set up an event's contest (the event is chosen on a new one) or change it."""

    #: choices are filled by the view (events from a month ago on)
    event_id = SelectField(_l("The event it is held at"), validate_choice=False)
    title = StringField(_l("Contest title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    #: choices are named in the request's language by the view
    kind = RadioField(_l("Kind"), validators=[InputRequired()])
    opens_at = DateTimeLocalField(_l("Voting opens"), format=_DATETIME, validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Voting closes"), format=_DATETIME, validators=[InputRequired()])
    jury_weight = IntegerField(_l("Jury's weight, %"), default=0, validators=[InputRequired(),
                                                                          NumberRange(min=0, max=100)])
    rules = TextAreaField(_l("Rules (what to submit, how it is judged)"),
                          validators=[Optional(), Length(max=RULES_MAX)])


class EntryForm(AppForm):
    title = StringField(_l("Title of your entry"), validators=[DataRequired(), Length(max=ENTRY_TITLE_MAX)])
    video_url = StringField(_l("Link to the video"), validators=[Optional(), Length(max=URL_MAX)])


class DecisionForm(AppForm):
    """Staff decide one entry: its status, slot in the running order and jury score."""

    status = SelectField(_l("Status"))
    running_order = IntegerField(_l("Slot in the running order"),
                                 validators=[Optional(), NumberRange(min=1, max=ORDER_MAX)])
    jury_score = IntegerField(_l("Jury score, 0–10"), validators=[Optional(), NumberRange(min=0, max=JURY_MAX)])
