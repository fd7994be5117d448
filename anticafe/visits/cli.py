"""Visit commands: `flask --app wsgi close-day` (from cron, after closing time)."""

import click
from flask.cli import with_appcontext
from sqlalchemy import text

from ..extensions import db
from ..timeutil import to_venue
from . import clock


@click.command("close-day")
@with_appcontext
def close_day():
    """End every open visit at its day's closing time and flag it for review (run by cron after closing).

    On SQLite it then refreshes the query planner's statistics (`PRAGMA optimize`, as SQLite advises for
    long-lived databases: it never does so by itself, and plans worse without them).
    """
    closed, waiting = clock.close_day()
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA optimize"))
        db.session.commit()
    for visit in closed:
        click.echo(f"visit {visit.id} ({visit.display_name}): ended at {to_venue(visit.ended_at):%Y-%m-%d %H:%M}, "
                   f"{visit.billed_minutes} min, {visit.amount} RUB, flagged for review")
    click.echo(f"Closed {len(closed)} open visit(s) at closing time; "
               f"{waiting} left open (their closing time has not come yet, or they started outside "
               "opening hours: staff stop them).")
