"""Forms for signing up, logging in, the profile and the admin's user page."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from ..auth import Role
from ..inputs import AppForm

ROLE_LABELS = {
    Role.VISITOR: _l("Visitor"),
    Role.STAFF: _l("Staff"),
    Role.COMMITTEE: _l("Youth committee"),
    Role.ADMIN: _l("Administrator"),
}


class SignupForm(AppForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(message=_l("Enter a valid email address.")),
                                                Length(max=254)])
    phone = TelField(_l("Phone (optional)"), validators=[Optional(), Length(max=32)])
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired(message=_l("This field is required."))])
    guardian_name = StringField(_l("Parent's or guardian's name"), validators=[Optional(), Length(max=120)])
    guardian_phone = TelField(_l("Parent's or guardian's phone"), validators=[Optional(), Length(max=32)])
    guardian_email = EmailField(_l("Parent's or guardian's email"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    password2 = PasswordField(_l("Password again"), validators=[DataRequired(), Length(max=200)])
    consent = BooleanField(_l("I agree to the processing of my personal data"))


class LoginForm(AppForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Remember me"))


class ProfileForm(AppForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    phone = TelField(_l("Phone (optional)"), validators=[Optional(), Length(max=32)])
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired(message=_l("This field is required."))])
    guardian_name = StringField(_l("Parent's or guardian's name"), validators=[Optional(), Length(max=120)])
    guardian_phone = TelField(_l("Parent's or guardian's phone"), validators=[Optional(), Length(max=32)])
    locale = SelectField(_l("Language"), choices=[SelectChoice("", _l("As in my browser")),
                                                  SelectChoice("ru", "Русский"), SelectChoice("en", "English")])
    email_notifications = BooleanField(_l("Send me emails about my events"))


class PasswordForm(AppForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    password2 = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=200)])


class RoleForm(AppForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()])


class ForgotForm(AppForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(message=_l("Enter a valid email address.")),
                                                Length(max=254)])


class ResetForm(AppForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    password2 = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=200)])


class MinorDetailsForm(AppForm):
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired(message=_l("This field is required."))])
    guardian_name = StringField(_l("Parent's or guardian's name"), validators=[Optional(), Length(max=120)])
    guardian_phone = TelField(_l("Parent's or guardian's phone"), validators=[Optional(), Length(max=32)])
