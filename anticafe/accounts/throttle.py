"""Rate limits shared by every worker and server: failed logins, sign-ups, password-reset requests.

A limit is checked and counted in two steps, so that only what should count does:

    attempt = throttle().attempt([("login:pair:lena@example.org|203.0.113.7", "10 per minute"), ...])
    if attempt is None: refuse (429)
    ... check the password ...
    throttle().keep(attempt) on a failure, throttle().forget(attempt) on a success

By default the counters are rows of `throttle_hits` in the app's database. `attempt` writes its rows
and commits first, then counts (its own rows included), so two workers racing for the last try cannot
both get it: at most `amount` events are ever kept in a window. With `RATELIMIT_STORAGE_URI`
(`redis://host:6379`, `memcached://...`) the `limits` package keeps moving windows in that store instead.
"""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func, insert, select

from ..db import utcnow
from ..extensions import db
from .models import ThrottleHit

#: Rows older than this are deleted as new ones come; no window may be longer.
LONGEST_WINDOW = timedelta(days=1)


def parse_limits(text: str) -> list[RateLimitItem]:
    """Parse "10 per minute;50 per hour"; refuse windows longer than a day (their rows would be gone)."""
    items = parse_many(text)
    for item in items:
        if item.get_expiry() > LONGEST_WINDOW.total_seconds():
            raise ValueError(f"rate limit {item} is longer than {LONGEST_WINDOW}")
    return items


@dataclass
class Attempt:
    """An event checked against its limits and (in the database) provisionally counted."""

    checks: list[tuple[str, str]]
    row_ids: list[int] = field(default_factory=list)


class DatabaseThrottle:
    """Counters as rows in the app's database (the default: nothing else to run)."""

    def __init__(self, secret: str):
        self._secret = secret.encode()

    def bucket(self, key: str) -> str:
        """Return the stored name of a counter: an HMAC, so no email or address sits in the table."""
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()

    def attempt(self, checks: list[tuple[str, str]]) -> Attempt | None:
        """Count one event in every bucket unless that takes one over a limit; None when refused."""
        now = utcnow()
        buckets = [self.bucket(key) for key, _ in checks]
        db.session.execute(delete(ThrottleHit).where(ThrottleHit.at < now - LONGEST_WINDOW))
        ids = [db.session.scalar(insert(ThrottleHit).values(bucket=b, at=now).returning(ThrottleHit.id))
               for b in buckets]
        db.session.commit()  # others count these rows from now on
        attempt = Attempt(checks, ids)
        for bucket, (_, text) in zip(buckets, checks, strict=True):
            items = parse_limits(text)
            counts = db.session.execute(select(*[
                func.count(ThrottleHit.id).filter(ThrottleHit.at > now - timedelta(seconds=item.get_expiry()))
                for item in items]).where(ThrottleHit.bucket == bucket)).one()
            if any(count > item.amount for count, item in zip(counts, items, strict=True)):
                self.forget(attempt)
                db.session.commit()
                return None
        return attempt

    def keep(self, attempt: Attempt) -> None:
        """Let the event count (it is already written)."""

    def forget(self, attempt: Attempt) -> None:
        """Take the event back (a successful login); the caller commits."""
        if attempt.row_ids:
            db.session.execute(delete(ThrottleHit).where(ThrottleHit.id.in_(attempt.row_ids)))
            attempt.row_ids = []


class StorageThrottle:
    """Counters in a `limits` storage (redis, memcached...), as moving windows."""

    def __init__(self, uri: str):
        self.limiter = MovingWindowRateLimiter(storage_from_string(uri))

    def attempt(self, checks: list[tuple[str, str]]) -> Attempt | None:
        """Check every limit without counting; None when one is reached."""
        for key, text in checks:
            if not all(self.limiter.test(item, "anticafe", key) for item in parse_limits(text)):
                return None
        return Attempt(checks)

    def keep(self, attempt: Attempt) -> None:
        """Count the event in every bucket."""
        for key, text in attempt.checks:
            for item in parse_limits(text):
                self.limiter.hit(item, "anticafe", key)

    def forget(self, attempt: Attempt) -> None:
        """Nothing was counted yet."""


class NoThrottle:
    """RATELIMIT_ENABLED = False: everything passes (most tests)."""

    def attempt(self, checks):
        return Attempt(checks)

    def keep(self, attempt):
        pass

    def forget(self, attempt):
        pass


def init_throttle(app) -> None:
    """Choose the app's counters from RATELIMIT_STORAGE_URI (empty: the database)."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if uri:
        app.extensions["anticafe_throttle"] = StorageThrottle(uri)
    else:
        app.extensions["anticafe_throttle"] = DatabaseThrottle(app.config["SECRET_KEY"] or "")


def throttle():
    """Return the current app's counters (ones that let everything pass when RATELIMIT_ENABLED is off)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return NoThrottle()
    return current_app.extensions["anticafe_throttle"]
