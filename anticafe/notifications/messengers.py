"""Clients for the Telegram Bot API (pyTelegramBotAPI) and the VK API (vk_api), set up from the settings.

Both libraries are synchronous and built on `requests`, like the rest of this app's request cycle.
`TELEGRAM_API_URL` and `VK_API_URL` point them elsewhere (tests use a local fake server). Errors come
back as two exceptions the outbox understands: `Blocked` (the person stopped the bot: unlink) and
`TryLater` (anything else: retry with back-off).

The two libraries (and `requests` under them) are imported by the functions that use them: together they
cost ~25 MB per worker, and a worker that never sends to a messenger never needs them.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    import telebot
    import vk_api

#: The VK API version this app speaks.
VK_API_VERSION = "5.199"

#: vk_api's fixed method URL prefix; `VkSession` sends those calls to `VK_API_URL` instead.
VK_DEFAULT_PREFIX = "https://api.vk.ru/method/"

#: VK errors that mean "this person does not accept messages from the community any more".
VK_BLOCKED_CODES = {900, 901, 902}


class Blocked(Exception):
    """The messenger refuses to deliver to this chat for good (the bot was blocked or the chat is gone)."""


class TryLater(Exception):
    """The messenger could not take the message now (network, rate limit, server error)."""


def telegram_enabled() -> bool:
    """Tell whether Telegram is set up (a bot token is configured)."""
    return bool(current_app.config.get("TELEGRAM_BOT_TOKEN"))


def vk_enabled() -> bool:
    """Tell whether VK is set up (a community token and the community id are configured)."""
    return bool(current_app.config.get("VK_GROUP_TOKEN")) and bool(current_app.config.get("VK_GROUP_ID"))


def enabled_messengers() -> list[str]:
    """Return the messengers configured on this site, in the pages' order."""
    return [name for name, on in (("telegram", telegram_enabled()), ("vk", vk_enabled())) if on]


def hook_secret(channel: str) -> str:
    """Return the secret in the webhook's path (and Telegram's secret-token header) for `channel`.

    Taken from TELEGRAM_WEBHOOK_SECRET / VK_WEBHOOK_SECRET when set; otherwise derived from the app's
    SECRET_KEY and the bot token, so it changes when either does and never needs to be stored.
    """
    config = current_app.config
    explicit = config.get("TELEGRAM_WEBHOOK_SECRET" if channel == "telegram" else "VK_WEBHOOK_SECRET")
    if explicit:
        return explicit
    token = config.get("TELEGRAM_BOT_TOKEN" if channel == "telegram" else "VK_GROUP_TOKEN") or ""
    digest = hmac.new(config["SECRET_KEY"].encode(), f"{channel}:{token}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def secrets_equal(given: str | None, expected: str) -> bool:
    """Compare two secrets in constant time."""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


# ------------------------------------------------------------------------------------------------
# Telegram

def telegram_bot() -> telebot.TeleBot:
    """Return a synchronous bot client for TELEGRAM_BOT_TOKEN, talking to TELEGRAM_API_URL."""
    import telebot
    from telebot import apihelper

    config = current_app.config
    # pyTelegramBotAPI keeps the server address in a module setting; every client here uses the same one.
    apihelper.API_URL = config["TELEGRAM_API_URL"].rstrip("/") + "/bot{0}/{1}"
    apihelper.CONNECT_TIMEOUT = 10
    apihelper.READ_TIMEOUT = 20
    return telebot.TeleBot(config["TELEGRAM_BOT_TOKEN"], threaded=False, parse_mode=None)


def telegram_call(function, *args, **kwargs):
    """Call a TeleBot method, turning its errors into `Blocked` or `TryLater`."""
    import requests
    from telebot.apihelper import ApiException, ApiTelegramException

    try:
        return function(*args, **kwargs)
    except ApiTelegramException as error:
        text = (error.description or "").lower()
        if error.error_code == 403 or "chat not found" in text or "user is deactivated" in text:
            raise Blocked(error.description) from error
        raise TryLater(f"{error.error_code} {error.description}") from error
    except (ApiException, requests.RequestException) as error:
        raise TryLater(str(error)) from error


def telegram_bot_username() -> str:
    """Return the bot's @name for deep links: TELEGRAM_BOT_USERNAME, or asked from Telegram (getMe)."""
    name = current_app.config.get("TELEGRAM_BOT_USERNAME")
    if name:
        return name.lstrip("@")
    return telegram_call(telegram_bot().get_me).username


# ------------------------------------------------------------------------------------------------
# VK

@cache
def _vk_session_class() -> type:
    import requests

    class VkSession(requests.Session):
        """A requests session that sends vk_api's method calls to VK_API_URL (the library fixes the host)."""

        def __init__(self, base: str):
            super().__init__()
            self.base = base.rstrip("/") + "/"

        def request(self, method, url, *args, **kwargs):
            if isinstance(url, str) and url.startswith(VK_DEFAULT_PREFIX):
                url = self.base + url[len(VK_DEFAULT_PREFIX):]
            kwargs.setdefault("timeout", 20)
            return super().request(method, url, *args, **kwargs)

    return VkSession


def vk_session(base: str):
    """A requests session that sends vk_api's method calls to `base` (VK_API_URL) instead of VK's host."""
    return _vk_session_class()(base)


@dataclass
class VkClient:
    """The community's side of VK: messages, wall posts, photo uploads and the Callback/Long Poll API."""

    api: vk_api.VkApi
    group_id: int
    uploads: list = field(default_factory=list)

    def call(self, method: str, **values):
        """Call a VK method, turning its errors into `Blocked` or `TryLater`."""
        import requests
        import vk_api

        try:
            return self.api.method(method, values)
        except vk_api.exceptions.ApiError as error:
            if error.code in VK_BLOCKED_CODES:
                raise Blocked(str(error)) from error
            raise TryLater(str(error)) from error
        except (vk_api.exceptions.VkApiError, requests.RequestException, ValueError) as error:
            raise TryLater(str(error)) from error

    def upload_message_photo(self, peer_id: int, png: bytes) -> str:
        """Upload a picture for a private message; return its attachment string ("photo-1_2")."""
        import requests
        import vk_api

        try:
            photo = vk_api.VkUpload(self.api).photo_messages(photos=[_named_png(png)], peer_id=peer_id)[0]
        except vk_api.exceptions.ApiError as error:
            if error.code in VK_BLOCKED_CODES:
                raise Blocked(str(error)) from error
            raise TryLater(str(error)) from error
        except (vk_api.exceptions.VkApiError, requests.RequestException, ValueError, KeyError) as error:
            raise TryLater(str(error)) from error
        return f"photo{photo['owner_id']}_{photo['id']}"

    def send(self, peer_id: int, text: str, *, keyboard: dict | None = None, attachment: str | None = None,
             random_id: int = 0) -> None:
        """Send a private message from the community."""
        values = {"peer_id": peer_id, "message": text[:4000], "random_id": random_id}
        if keyboard is not None:
            values["keyboard"] = json.dumps(keyboard, ensure_ascii=False)
        if attachment:
            values["attachment"] = attachment
        self.call("messages.send", **values)


def _named_png(data: bytes):
    """A file-like PNG with a name, as vk_api's uploader wants."""
    buffer = io.BytesIO(data)
    buffer.name = "ticket.png"
    return buffer


def vk_client(token: str | None = None) -> VkClient:
    """Return a VK client for VK_GROUP_TOKEN (or `token`), talking to VK_API_URL."""
    import vk_api

    config = current_app.config
    api = vk_api.VkApi(token=token or config["VK_GROUP_TOKEN"], api_version=VK_API_VERSION,
                       session=vk_session(config["VK_API_URL"]))
    # vk_api waits 0.34 s between calls (a user token's limit); a community token may make 20 a second.
    api.RPS_DELAY = 0.05
    return VkClient(api, int(config["VK_GROUP_ID"]))


def vk_chat_link(token: str) -> str:
    """Return the deep link that opens the community's chat with `token` as its ref."""
    return f"https://vk.me/club{current_app.config['VK_GROUP_ID']}?ref={token}"
