"""`flask --app wsgi queue-reminders`: put tomorrow's event reminders into the outbox (run it from cron)."""

from datetime import timedelta

import click
from flask.cli import with_appcontext

from ..extensions import db
from .services import queue_reminders


@click.command("queue-reminders")
@click.option("--hours", default=24, show_default=True, type=click.IntRange(1, 168),
              help="remind about events starting within this many hours")
@with_appcontext
def queue_reminders_command(hours: int):
    """Queue "see you tomorrow" reminders for confirmed registrations; each person gets one per event.

    Run it every hour (e.g. `0 * * * *`); `send-notifications` then emails them.
    """
    queued = queue_reminders(ahead=timedelta(hours=hours))
    db.session.commit()
    click.echo(f"Queued {queued} reminder(s).")
