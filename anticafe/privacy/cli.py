"""`flask --app wsgi purge-inactive`: erase people with no activity for RETENTION_YEARS (run it from cron)."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from .services import inactive_people, purge_inactive


@click.command("purge-inactive")
@click.option("--dry-run", is_flag=True, help="list who would be erased, change nothing")
@click.option("--years", type=click.IntRange(1, 100), default=None, help="instead of RETENTION_YEARS")
@with_appcontext
def purge_inactive_command(dry_run: bool, years: int | None):
    """Erase accounts and guest profiles with no activity for RETENTION_YEARS years (default 3)."""
    years = years or int(current_app.config["RETENTION_YEARS"])
    if dry_run:
        people = inactive_people(years)
        for person in people:
            click.echo(f"would erase user {person.id}")
        click.echo(f"{len(people)} people inactive for {years} years (dry run: nothing changed).")
        return
    ids = purge_inactive(years)
    db.session.commit()
    click.echo(f"Erased {len(ids)} people inactive for {years} years.")
