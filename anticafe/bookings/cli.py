"""`flask --app wsgi queue-booking-reminders`: remind bookers of their coming bookings (run it from cron)."""

import click
from flask.cli import with_appcontext

from ..extensions import db
from . import services


@click.command("queue-booking-reminders")
@with_appcontext
def queue_booking_reminders():
    """Queue a reminder for every confirmed booking starting within BOOKING_REMINDER_HOURS (each only once)."""
    services.release_no_shows()
    queued = services.queue_reminders()
    db.session.commit()
    click.echo(f"Queued {queued} booking reminder(s).")
