"""`flask --app wsgi seed-demo`: a believable month at the café, safe to run again.

Each domain contributes one step; the steps run in order inside one transaction.
"""

import random

import click
from flask.cli import with_appcontext

from .extensions import db

#: (label, "module:function") — each function takes a `DemoContext` and adds its rows.
DEMO_STEPS = [
    ("people", "anticafe.accounts.demo:seed"),
    ("zones", "anticafe.bookings.demo:seed_zones"),
    ("events", "anticafe.events.demo:seed"),
    ("registrations", "anticafe.registrations.demo:seed"),
    ("door", "anticafe.door.demo:seed"),
    ("visits", "anticafe.visits.demo:seed"),
    ("passes", "anticafe.passes.demo:seed"),
    ("bookings", "anticafe.bookings.demo:seed"),
]

#: The demo logins `make run` prints: (role, email, password).
DEMO_LOGINS = [
    ("admin", "admin@anticafe.demo", "demo-admin-2026"),
    ("staff", "staff@anticafe.demo", "demo-staff-2026"),
    ("committee", "committee@anticafe.demo", "demo-committee-2026"),
    ("visitor", "visitor@anticafe.demo", "demo-visitor-2026"),
]


class DemoContext:
    """What the steps share: a seeded random generator and what earlier steps made."""

    def __init__(self, seed: int = 2026):
        self.random = random.Random(seed)
        self.data: dict = {}


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Fill an empty database with a month of demo data (does nothing the second time)."""
    from importlib import import_module

    from .accounts.models import User

    if db.session.query(User.id).filter(User.email == DEMO_LOGINS[0][1]).first() is not None:
        click.echo("Demo data is already there; nothing to do.")
        _print_logins()
        return
    ctx = DemoContext()
    with click.progressbar(DEMO_STEPS, label="Seeding demo data",
                           item_show_func=lambda step: step[0] if step else None) as steps:
        for _label, dotted in steps:
            module, _, name = dotted.partition(":")
            getattr(import_module(module), name)(ctx)
            db.session.flush()
    db.session.commit()
    click.echo("Demo data is ready.")
    _print_logins()


def _print_logins() -> None:
    click.echo("Demo logins:")
    for role, email, password in DEMO_LOGINS:
        click.echo(f"  {role:<10} {email:<28} {password}")
