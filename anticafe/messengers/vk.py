"""VK's side of the bot: a Callback API or Long Poll event in, VK API calls out.

vk_api is imported by the Long Poll client that uses it (see `notifications.messengers`).
"""

import json
import logging

from flask_babel import force_locale

from ..extensions import db
from ..notifications.messengers import Blocked, TryLater, vk_client
from ..notifications.services import unlink_chat
from .bot import Incoming, Reply, answer, menu_labels

log = logging.getLogger(__name__)

CHANNEL = "vk"

#: VK's lang_id in client_info -> our language.
VK_LANGUAGES = {0: "ru", 3: "en"}


def _button(label: str, payload: str, color: str = "secondary") -> dict:
    return {"action": {"type": "text", "label": label[:40], "payload": json.dumps({"cmd": payload})}, "color": color}


def menu_keyboard() -> dict:
    labels = menu_labels()
    return {"one_time": False, "buttons": [
        [_button(labels["events"], "events", "primary"), _button(labels["tickets"], "tickets", "primary")],
        [_button(labels["price"], "price"), _button(labels["address"], "address")],
    ]}


def inline_keyboard(reply: Reply) -> dict:
    return {"inline": True, "buttons": [[_button(b.label, b.payload) for b in row] for row in reply.buttons[:6]]}


def incoming_of(event: dict) -> Incoming | None:
    """Read a `message_new` event; None for others."""
    if event.get("type") != "message_new":
        return None
    obj = event.get("object") or {}
    message = obj.get("message") or {}
    peer_id = message.get("peer_id") or message.get("from_id")
    if not peer_id or peer_id >= 2_000_000_000:  # group chats: the bot talks one to one only
        return None
    payload = None
    if message.get("payload"):
        try:
            payload = json.loads(message["payload"]).get("cmd")
        except (ValueError, AttributeError):
            payload = None
        if payload == "start":
            payload = None
    language = VK_LANGUAGES.get((obj.get("client_info") or {}).get("lang_id"))
    return Incoming(CHANNEL, str(peer_id), text=(message.get("text") or "")[:500], payload=payload,
                    language=language, start_token=message.get("ref") or None)


def handle_event(event: dict) -> None:
    """Answer one event from VK and commit; a person who forbade messages is unlinked."""
    if event.get("type") == "message_deny":
        unlink_chat(CHANNEL, (event.get("object") or {}).get("user_id"))
        db.session.commit()
        return
    incoming = incoming_of(event)
    if incoming is None:
        return
    replies = answer(incoming)
    db.session.commit()
    client = vk_client()
    peer = int(incoming.chat_id)
    message_id = ((event.get("object") or {}).get("message") or {}).get("conversation_message_id") or 0
    try:
        for number, reply in enumerate(replies):
            attachment = client.upload_message_photo(peer, reply.photo) if reply.photo is not None else None
            with force_locale(reply.locale):
                keyboard = inline_keyboard(reply) if reply.buttons else (menu_keyboard() if reply.menu else None)
            client.send(peer, reply.text, keyboard=keyboard, attachment=attachment,
                        random_id=(peer * 1000 + message_id * 10 + number) % 2_147_483_647)
    except Blocked:
        unlink_chat(CHANNEL, incoming.chat_id)
        db.session.commit()
    except TryLater as error:
        log.warning("VK reply to %s failed: %s", incoming.chat_id, error)


class Poller:
    """The Bots Long Poll API: for a machine that VK cannot reach."""

    def __init__(self, wait: int = 25):
        import requests
        from vk_api.bot_longpoll import VkBotLongPoll
        from vk_api.exceptions import VkApiError

        client = vk_client()
        try:
            self.longpoll = VkBotLongPoll(client.api, client.group_id, wait=wait)
        except (VkApiError, requests.RequestException, KeyError) as error:
            raise TryLater(str(error)) from error

    def poll_once(self) -> int:
        """Fetch and answer one batch of events; return how many."""
        import requests
        from vk_api.exceptions import VkApiError

        try:
            events = self.longpoll.check()
        except (VkApiError, requests.RequestException, ValueError) as error:
            raise TryLater(str(error)) from error
        for event in events:
            try:
                handle_event(event.raw)
            except Exception:  # one bad event must not stop the bot for everybody
                db.session.rollback()
                log.exception("VK event failed")
        return len(events)


def confirmation_code() -> str:
    """Return the string VK expects when it confirms the callback server (setting, else asked from VK)."""
    from flask import current_app

    code = current_app.config.get("VK_CONFIRMATION_CODE")
    if code:
        return code
    client = vk_client()
    return client.call("groups.getCallbackConfirmationCode", group_id=client.group_id)["code"]


def set_webhook(url: str, secret: str) -> int:
    """Register `url` as the community's Callback API server with `secret`; return the server's id."""
    client = vk_client()
    server_id = client.call("groups.addCallbackServer", group_id=client.group_id, url=url, title="Anticafe",
                            secret_key=secret)["server_id"]
    client.call("groups.setCallbackSettings", group_id=client.group_id, server_id=server_id, api_version="5.199",
                message_new=1, message_deny=1, message_allow=1)
    return server_id
