"""Account commands: `flask --app wsgi create-user ...`."""

from datetime import date

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from ..auth import Role
from ..errors import DomainError
from ..extensions import db
from . import services


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.VISITOR.value, show_default=True)
@click.option("--birth-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="YYYY-MM-DD; staff accounts may leave it out")
@with_appcontext
def create_user(email, password, name, role, birth_date):
    """Create an account (staff, committee or admin accounts included)."""
    birth: date | None = birth_date.date() if birth_date else None
    if birth is None and role == Role.VISITOR:
        raise click.UsageError("--birth-date is required for visitors")
    try:
        user = services.register_user(services.Signup(
            name=name, email=email, password=password, birth_date=birth or date(1990, 1, 1), consent=True),
            role=Role(role))
    except DomainError as error:
        db.session.rollback()
        with force_locale("en"):
            details = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in error.fields.items())
        raise click.ClickException(details or str(error.message)) from None
    if birth is None:
        user.birth_date = None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
