"""Notifications: an outbox of messages shown in the app and, when SMTP is set up, sent by email."""
