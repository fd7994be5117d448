"""Sign-up, login, logout, the profile, and the admin's people page."""


from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..auth import Access, Role, require
from ..errors import DomainError, ValidationFailed, show_on_form
from ..extensions import db, limiter
from ..inputs import clean_next
from ..timeutil import venue_today
from . import services
from .api import login_limit
from .forms import ROLE_LABELS, LoginForm, PasswordForm, ProfileForm, RoleForm, SignupForm
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
                guardian_phone=form.guardian_phone.data))
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
            return redirect(safe_next(url_for("main.home")))
    return render_template("accounts/signup.html", form=form, guardian_age=14), 422 if form.errors else 200


def _email_key() -> str:
    return "account:" + services.normalize_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, key_func=_email_key, methods=["POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    """Log in by email and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("main.home")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors = [_("Wrong email or password.")]
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(url_for("main.home")))
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out and go home."""
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Show and edit one's own details."""
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
    password_form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user, name=form.name.data, phone=form.phone.data, birth_date=form.birth_date.data,
                guardian_name=form.guardian_name.data, guardian_phone=form.guardian_phone.data,
                locale=form.locale.data, email_notifications=form.email_notifications.data)
        except DomainError as error:
            db.session.rollback()
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your details are saved."), "success")
            return redirect(url_for("accounts.profile"))
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                                .order_by(ApiToken.created_at.desc())).all()
    status = 422 if form.errors else 200
    return render_template("accounts/profile.html", form=form, password_form=password_form, tokens=tokens,
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
            show_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your password is changed."), "success")
            return redirect(url_for("accounts.profile"))
    profile_form = ProfileForm(obj=current_user)
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)).all()
    return render_template("accounts/profile.html", form=profile_form, password_form=form, tokens=tokens,
                           age=current_user.age_on(venue_today())), 422


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
    return render_template("accounts/privacy.html")


@bp.route("/admin/users")
@require(Access.ADMIN)
def admin_users():
    """Find people and see their roles."""
    query = request.args.get("q", "")
    role = request.args.get("role") or None
    if role and role not in {r.value for r in Role}:
        role = None
    users = services.search_users(query, role=role, limit=100)
    return render_template("admin/users.html", users=users, q=query, role=role, role_labels=ROLE_LABELS,
                           today=venue_today())


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require(Access.ADMIN)
def admin_user(user_id: int):
    """Show one person to an admin and change their role."""
    user = db.session.get(User, user_id) or abort(404)
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
