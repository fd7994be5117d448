"""Sign-up, login, logout, password reset, the profile, and the admin's people page."""


from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..auth import Access, Role, require
from ..errors import DomainError, ValidationFailed, show_errors
from ..extensions import db
from ..inputs import clean_next
from ..navigation import LANDING
from ..timeutil import venue_today
from . import consent, rules, services
from .access_log import log_search, log_view
from .forms import (
    ROLE_LABELS,
    ForgotForm,
    LoginForm,
    MinorDetailsForm,
    PasswordForm,
    ProfileForm,
    ResetForm,
    RoleForm,
    SignupForm,
)
from .models import ApiToken, User

bp = Blueprint("accounts", __name__)


def safe_next(default: str) -> str:
    """Return the `next` parameter if it points inside this site, else `default`."""
    return clean_next(request.args.get("next") or request.form.get("next"), default)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create a visitor account and log in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(services.Signup(
                name=form.name.data, email=form.email.data, password=form.password.data,
                password2=form.password2.data, birth_date=form.birth_date.data, consent=form.consent.data,
                phone=form.phone.data, guardian_name=form.guardian_name.data,
                guardian_phone=form.guardian_phone.data, guardian_email=form.guardian_email.data),
                address=request.remote_addr)
        except DomainError as error:
            db.session.rollback()
            show_errors(error, form)
            if error.status == 429:
                return render_template("accounts/signup.html", form=form, guardian_age=14), 429
        else:
            services.start_session(user, request.user_agent.string)
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
            if user.consent_pending:
                if consent.send_guardian_link(user):
                    flash(_("We emailed your parent or guardian a link: once they confirm their consent, you can "
                            "register and start paid visits."), "info")
                else:
                    flash(_("We could not email your parent or guardian. Bring the consent form signed by them "
                            "to the café, or send the link again from your profile."), "warning")
            return redirect(safe_next(url_for("main.home")))
    return render_template("accounts/signup.html", form=form, guardian_age=14), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in by email and password (failures are limited per account, address and both)."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for(LANDING.get(current_user.role, "main.home"))))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        except DomainError as error:  # too many failures
            form.password.errors = [str(error.message)]
            return render_template("accounts/login.html", form=form), error.status
        if user is None:
            form.password.errors = [_("Wrong email or password.")]
        else:
            services.start_session(user, request.user_agent.string)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(url_for(LANDING.get(user.role, "main.home"))))
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out: end this login session on the server (a copied cookie opens nothing) and go home."""
    if current_user.is_authenticated:
        services.end_session(current_user.login_secret)
        db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/profile/sessions/end", methods=["POST"])
@login_required
def end_all_sessions():
    """Log out everywhere: end every login session of this person, this one included."""
    services.end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You have logged out on every device."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link to set a new password; the answer is the same whether the email has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        try:
            services.request_password_reset(form.email.data, request.remote_addr)
        except DomainError as error:
            db.session.rollback()
            form.email.errors = [str(error.message)]
            return render_template("accounts/forgot.html", form=form), error.status
        db.session.commit()
        return render_template("accounts/forgot_sent.html", email=services.normalize_email(form.email.data))
    return render_template("accounts/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password with the link from the email; every session and token of the person ends."""
    if services.reset_for_token(token) is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, form.password2.data)
        except DomainError as error:
            db.session.rollback()
            show_errors(error, form)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your new password is set. Log in with it."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form), 422 if form.errors else 200


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Show and edit one's own details."""
    form = profile_form()
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
    password_form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        locked = minor_locked()
        try:
            services.update_profile(
                current_user, name=form.name.data, phone=form.phone.data,
                birth_date=current_user.birth_date if locked else form.birth_date.data,
                guardian_name=current_user.guardian_name if locked else form.guardian_name.data,
                guardian_phone=current_user.guardian_phone if locked else form.guardian_phone.data,
                locale=form.locale.data, email_notifications=form.email_notifications.data)
        except DomainError as error:
            db.session.rollback()
            show_errors(error, form)
        else:
            db.session.commit()
            flash(_("Your details are saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_profile(form, password_form, 422 if form.errors else 200)


def minor_locked() -> bool:
    """Tell whether the current person's birth date and guardian are for staff to change."""
    return rules.locked_for_self(current_user.birth_date, venue_today())


def profile_form() -> ProfileForm:
    """Return the profile form, without the fields a minor may not change."""
    form = ProfileForm(obj=current_user)
    if minor_locked():
        del form.birth_date
        del form.guardian_name
        del form.guardian_phone
    return form


def render_profile(form, password_form, status: int):
    """Show the profile page with its forms, tokens and open sessions."""
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                                .order_by(ApiToken.created_at.desc())).all()
    return render_template("accounts/profile.html", form=form, password_form=password_form, tokens=tokens,
                           sessions=services.open_sessions(current_user), minor_locked=minor_locked(),
                           age=current_user.age_on(venue_today())), status


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    """Change one's own password."""
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data,
                                     form.password2.data)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(error, form)
        else:
            db.session.commit()
            flash(_("Your password is changed. You stay logged in here; other devices and apps are "
                    "logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_profile(profile_form(), form, 422)


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of one's own API tokens."""
    services.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("The token is revoked."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/privacy")
def privacy():
    """Explain what personal data the café keeps and why."""
    return render_template("accounts/privacy.html", guardian_age=rules.GUARDIAN_AGE)


@bp.route("/admin/users")
@require(Access.ADMIN)
def admin_users():
    """Find people and see their roles."""
    query = request.args.get("q", "")
    role = request.args.get("role") or None
    if role and role not in {r.value for r in Role}:
        role = None
    users = services.search_users(query, role=role, limit=100)
    if query.strip():
        log_search(len(users), "accounts.admin_users")
    return render_template("admin/users.html", users=users, q=query, role=role, role_labels=ROLE_LABELS,
                           today=venue_today())


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require(Access.ADMIN)
def admin_user(user_id: int):
    """Show one person to an admin and change their role."""
    user = db.session.get(User, user_id) or abort(404)
    if request.method == "GET":
        log_view(user.id, "accounts.admin_user")
    form = RoleForm(obj=user)
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != Role.ADMIN:
            flash(_("You cannot take the admin role from yourself."), "error")
        else:
            services.set_role(user, form.role.data)
            db.session.commit()
            current_app.logger.info("role of user %s set to %s by %s", user.id, user.role, current_user.id)
            flash(_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[Role(user.role)]), "success")
            return redirect(url_for("accounts.admin_user", user_id=user.id))
    return render_template("admin/user.html", user=user, form=form, role_labels=ROLE_LABELS,
                           age=user.age_on(venue_today()))


@bp.route("/staff/people/<int:user_id>/minor", methods=["GET", "POST"])
@require(Access.STAFF)
def minor_details(user_id: int):
    """Let staff change a person's birth date and guardian (a minor cannot change them alone)."""
    user = db.session.get(User, user_id) or abort(404)
    form = MinorDetailsForm(obj=user)
    if form.validate_on_submit():
        try:
            services.set_minor_details(user, birth_date=form.birth_date.data, guardian_name=form.guardian_name.data,
                                       guardian_phone=form.guardian_phone.data)
        except DomainError as error:
            db.session.rollback()
            show_errors(error, form)
        else:
            db.session.commit()
            current_app.logger.info("birth date and guardian of user %s changed by %s", user.id, current_user.id)
            flash(_("The details of %(name)s are saved.", name=user.name), "success")
            return redirect(url_for("accounts.minor_details", user_id=user.id))
    return render_template("accounts/minor_details.html", user=user, form=form,
                           age=user.age_on(venue_today())), 422 if form.errors else 200
