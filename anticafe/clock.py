"""The app's clock: every "now" the app uses (services, views, CLI, demo data) comes from `now()`.

By default it is the wall clock. `CLOCK_NOW` in the config (from the `ANTICAFE_NOW` environment variable,
or set by a test through `set_clock`) moves it: an ISO moment (a naive one is venue time, as in
`2026-12-31T23:30`) or an aware datetime. The clock then runs on from that moment at the real pace,
counted from when the app first reads it, so a visit started "now" still ends after it began.
"""

from datetime import UTC, datetime, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context


def parse_moment(value: str | datetime, venue_timezone: str) -> datetime:
    """Read an ISO moment (naive: venue time) or a datetime; return it aware, in UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(venue_timezone))
    return moment.astimezone(UTC)


def set_clock(app: Flask, moment: str | datetime | None) -> None:
    """Move the app's clock to `moment` (it runs on from there); None: back to the wall clock."""
    app.config["CLOCK_NOW"] = moment
    app.extensions.pop("clock", None)


def now() -> datetime:
    """Return the current moment as an aware UTC datetime, from the app's clock."""
    setting = current_app.config.get("CLOCK_NOW") if has_app_context() else None
    if not setting:
        return datetime.now(UTC)
    # (setting, its moment in UTC, the monotonic reading when the app first read it)
    state = current_app.extensions.get("clock")
    if state is None or state[0] != setting:
        state = (setting, parse_moment(setting, current_app.config["VENUE_TIMEZONE"]), monotonic())
        current_app.extensions["clock"] = state
    return state[1] + timedelta(seconds=monotonic() - state[2])
