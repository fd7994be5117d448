"""Telegram's side of the bot: an update (webhook or getUpdates) in, Bot API calls out.

pyTelegramBotAPI is imported by the functions that use it (see `notifications.messengers`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from flask_babel import force_locale

from ..extensions import db
from ..notifications.messengers import Blocked, TryLater, telegram_bot, telegram_call
from ..notifications.services import unlink_chat
from .bot import Incoming, Reply, answer, menu_labels

if TYPE_CHECKING:
    from telebot import types

log = logging.getLogger(__name__)

CHANNEL = "telegram"


def _menu_keyboard() -> types.ReplyKeyboardMarkup:
    from telebot import types

    labels = menu_labels()
    keyboard = types.ReplyKeyboardMarkup(resize_keyboard=True)
    keyboard.row(labels["events"], labels["tickets"])
    keyboard.row(labels["price"], labels["address"])
    return keyboard


def _inline(reply: Reply) -> types.InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    from telebot import types

    keyboard = types.InlineKeyboardMarkup()
    for row in reply.buttons:
        keyboard.row(*[types.InlineKeyboardButton(button.label, callback_data=button.payload[:64]) for button in row])
    return keyboard


def incoming_of(update: types.Update) -> Incoming | None:
    """Read what the person said or tapped; None for updates the bot does not answer."""
    if update.message is not None and update.message.text and update.message.chat.type == "private":
        message = update.message
        person = message.from_user
        text = message.text.strip()
        token = None
        if text.startswith("/start "):
            token = text.split(" ", 1)[1].strip() or None
        return Incoming(CHANNEL, str(message.chat.id), text=text, start_token=token,
                        language=person.language_code if person else None,
                        display_name=(f"@{person.username}" if person and person.username
                                      else person.first_name if person else None))
    query = update.callback_query
    if query is not None and query.message is not None and query.data:
        return Incoming(CHANNEL, str(query.message.chat.id), payload=query.data,
                        language=query.from_user.language_code if query.from_user else None)
    return None


def handle_update(data: dict) -> None:
    """Answer one update from Telegram and commit; a blocked chat is unlinked."""
    from telebot import types

    update = types.Update.de_json(data)
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status == "kicked" and member.chat.type == "private":
        unlink_chat(CHANNEL, member.chat.id)  # the person blocked the bot
        db.session.commit()
        return
    incoming = incoming_of(update)
    bot = telegram_bot()
    if update.callback_query is not None:
        try:
            telegram_call(bot.answer_callback_query, update.callback_query.id)
        except (Blocked, TryLater) as error:
            log.info("answerCallbackQuery failed: %s", error)
    if incoming is None:
        return
    replies = answer(incoming)
    db.session.commit()
    try:
        for reply in replies:
            with force_locale(reply.locale):
                markup = _inline(reply) or (_menu_keyboard() if reply.menu else None)
            if reply.photo is not None:
                telegram_call(bot.send_photo, int(incoming.chat_id), reply.photo, caption=reply.text[:1024],
                              reply_markup=markup)
            else:
                telegram_call(bot.send_message, int(incoming.chat_id), reply.text[:4096], reply_markup=markup)
    except Blocked:
        unlink_chat(CHANNEL, incoming.chat_id)
        db.session.commit()
    except TryLater as error:
        log.warning("Telegram reply to %s failed: %s", incoming.chat_id, error)


def poll_once(offset: int | None, wait: int = 25) -> int | None:
    """Fetch and answer one batch of updates (getUpdates); return the next offset."""
    from telebot import apihelper
    from telebot.apihelper import ApiException

    bot = telegram_bot()
    try:
        updates = apihelper.get_updates(bot.token, offset=offset, timeout=wait + 10, long_polling_timeout=wait)
    except ApiException as error:
        raise TryLater(str(error)) from error
    for data in updates:
        offset = data["update_id"] + 1
        try:
            handle_update(data)
        except Exception:  # one bad update must not stop the bot for everybody
            db.session.rollback()
            log.exception("Telegram update %s failed", data.get("update_id"))
    return offset


def set_webhook(url: str, secret: str) -> None:
    """Tell Telegram to post updates to `url` with `secret` in the secret-token header."""
    bot = telegram_bot()
    telegram_call(bot.set_webhook, url=url, secret_token=secret,
                  allowed_updates=["message", "callback_query", "my_chat_member"])


def delete_webhook() -> None:
    """Stop the webhook so that getUpdates works (polling)."""
    telegram_call(telegram_bot().delete_webhook)
