"""`flask --app wsgi prompt-feedback`: ask the attendees of events that just ended to rate them (from cron)."""

import click
from flask.cli import with_appcontext

from ..extensions import db
from .services import send_prompts


@click.command("prompt-feedback")
@with_appcontext
def prompt_feedback():
    """Queue a "how was it?" message to everybody checked in to an event that ended in the last two days.

    Each person gets one per event, in-app and on their channels (email, Telegram, VK). Run it every
    hour (e.g. `5 * * * *`); `send-notifications` or the bot then delivers them.
    """
    queued = send_prompts()
    db.session.commit()
    click.echo(f"Queued {queued} feedback prompt(s).")
