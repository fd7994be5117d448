"""`flask --app wsgi send-notifications`: deliver the email outbox (run it from cron)."""

import click
from flask import current_app
from flask.cli import with_appcontext

from .services import deliver_pending


@click.command("send-notifications")
@click.option("--limit", default=200, show_default=True, help="at most this many emails per run")
@with_appcontext
def send_notifications(limit: int):
    """Email the pending notifications over SMTP (MAIL_SERVER); in-app messages need nothing."""
    if not current_app.config.get("MAIL_SERVER"):
        click.echo("MAIL_SERVER is not set: notifications are shown in the app only.")
        return
    sent, failed = deliver_pending(limit)
    click.echo(f"Sent {sent}, failed {failed}.")
