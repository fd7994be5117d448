"""`flask --app wsgi send-notifications`: deliver the outbox — email, Telegram, VK (run it from cron)."""

import click
from flask.cli import with_appcontext

from .services import deliver_pending


@click.command("send-notifications")
@click.option("--limit", default=200, show_default=True, help="at most this many deliveries per run")
@with_appcontext
def send_notifications(limit: int):
    """Send the due deliveries through their channels; failures are retried later with back-off."""
    sent, failed = deliver_pending(limit)
    click.echo(f"Sent {sent}, failed {failed}.")
