"""Pure rules of the outbox: which topic a kind of message belongs to, who gets which channel, and
when a failed delivery is tried again. No Flask, no database."""

from datetime import datetime, timedelta

#: The kinds of message a person chooses channels for.
TOPICS = ("reminders", "changes", "promotions")

#: Channels that carry a message beyond the in-app list, in the order the pages show them.
DELIVERY_CHANNELS = ("email", "telegram", "vk")

#: Messengers: channels reached through a linked chat.
MESSENGERS = ("telegram", "vk")

#: Which topic each kind of message belongs to; kinds not listed count as "changes".
KIND_TOPICS = {
    "event_reminder": "reminders",
    "booking_reminder": "reminders",
    "waitlist_promoted": "promotions",
    "event_changed": "changes",
    "event_cancelled": "changes",
    "booking_confirmed": "changes",
    "booking_declined": "changes",
    "booking_cancelled": "changes",
}

#: Give up on a delivery after this many failed attempts.
MAX_ATTEMPTS = 6

#: The first retry waits this long; each next one twice as long, up to `MAX_BACKOFF`.
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=2)


def topic_of(kind: str) -> str:
    """Return the topic a kind of message belongs to."""
    return KIND_TOPICS.get(kind, "changes")


def wanted_channels(*, topic: str, reachable: set[str], switched_off: set[tuple[str, str]]) -> list[str]:
    """Return the channels a message of `topic` goes through: reachable ones the person has not switched off.

    `reachable` holds the channels that are set up on the site and have an address for the person;
    `switched_off` holds (topic, channel) pairs the person turned off.
    """
    return [channel for channel in DELIVERY_CHANNELS
            if channel in reachable and (topic, channel) not in switched_off]


def backoff(attempts: int) -> timedelta:
    """Return how long to wait after the `attempts`-th failure: 1, 2, 4, ... minutes, at most two hours."""
    if attempts < 1:
        return timedelta(0)
    return min(FIRST_BACKOFF * (2 ** min(attempts - 1, 20)), MAX_BACKOFF)


def after_failure(attempts: int, now: datetime) -> tuple[str, datetime | None]:
    """Decide what a failed delivery becomes: ("pending", when to try again) or ("failed", None)."""
    if attempts >= MAX_ATTEMPTS:
        return "failed", None
    return "pending", now + backoff(attempts)
