"""Forms: rating an event, proposing an idea, staff deciding it, and the CSRF-only buttons."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from .rules import COMMENT_MAX, DESCRIPTION_MAX, REASON_MAX, TITLE_MAX


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
