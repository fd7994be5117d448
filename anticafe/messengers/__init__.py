"""Messengers: the venue's Telegram bot and VK community — the conversation, webhooks, polling and
announcements of events. The channels and links themselves live in `notifications`."""
