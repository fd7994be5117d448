"""`flask --app wsgi bot poll|set-webhook`: run the Telegram and VK bots."""

import time

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..notifications.messengers import TryLater, hook_secret, telegram_enabled, vk_enabled
from ..notifications.services import deliver_pending
from ..urls import public_url
from . import telegram, vk

bot = AppGroup("bot", help="The venue's Telegram and VK bots.")


@bot.command("poll")
@click.option("--once", is_flag=True, help="one round of updates and deliveries, then stop (cron, tests)")
@click.option("--wait", default=25, show_default=True, type=click.IntRange(0, 50),
              help="seconds a long poll waits for news")
def poll(once: bool, wait: int):
    """Answer the bots by long polling (no public address needed) and send the due notifications."""
    if not (telegram_enabled() or vk_enabled()):
        raise click.ClickException("Neither TELEGRAM_BOT_TOKEN nor VK_GROUP_TOKEN with VK_GROUP_ID is set.")
    offset = None
    vk_poller = None
    if telegram_enabled():
        telegram.delete_webhook()  # getUpdates refuses to work while a webhook is set
    while True:
        try:
            if telegram_enabled():
                offset = telegram.poll_once(offset, wait=0 if once else wait)
            if vk_enabled():
                vk_poller = vk_poller or vk.Poller(wait=0 if once else wait)
                vk_poller.poll_once()
        except TryLater as error:
            click.echo(f"Messenger unavailable, retrying: {error}", err=True)
            db.session.rollback()
            if once:
                raise click.ClickException(str(error)) from error
            time.sleep(5)
        sent, failed = deliver_pending()
        if sent or failed:
            click.echo(f"Notifications: sent {sent}, failed {failed}.")
        if once:
            return


@bot.command("set-webhook")
@click.option("--base-url", default=None, help="the site's public address (default: PUBLIC_BASE_URL)")
def set_webhook(base_url: str | None):
    """Point Telegram and VK at this site's webhook routes (needs a public HTTPS address)."""
    base = (base_url or current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base.startswith("https://") and not current_app.testing:
        raise click.ClickException("Set PUBLIC_BASE_URL (or --base-url) to the site's public https:// address.")
    if not (telegram_enabled() or vk_enabled()):
        raise click.ClickException("Neither TELEGRAM_BOT_TOKEN nor VK_GROUP_TOKEN with VK_GROUP_ID is set.")
    current_app.config["PUBLIC_BASE_URL"] = base
    try:
        if telegram_enabled():
            url = public_url("hooks.telegram_hook", secret=hook_secret("telegram"))
            telegram.set_webhook(url, hook_secret("telegram"))
            click.echo(f"Telegram: webhook set to {base}/hooks/telegram/…")
        if vk_enabled():
            url = public_url("hooks.vk_hook", secret=hook_secret("vk"))
            server_id = vk.set_webhook(url, hook_secret("vk"))
            click.echo(f"VK: callback server {server_id} set to {base}/hooks/vk/…")
    except TryLater as error:
        raise click.ClickException(f"The messenger refused: {error}") from error
