"""The committee's figures count pass-paid time apart from paid and subsidised time."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from stats_data import build_world

from anticafe.extensions import db
from anticafe.passes.models import Pass, PassType, PassUse
from anticafe.stats import rules, services
from anticafe.visits.models import Visit

JANUARY_PERIOD = rules.Period(date(2025, 1, 1), date(2025, 1, 31))


def _pass(kind: str, user_id: int, name: str) -> Pass:
    pass_type = PassType(name=name, kind=kind, minutes=600, validity_days=None if kind == "allowance" else 60,
                         price=Decimal(0))
    db.session.add(pass_type)
    db.session.flush()
    held = Pass(type_id=pass_type.id, user_id=user_id, kind=kind, name=name, starts_on=date(2025, 1, 1),
                ends_on=date(2025, 3, 1), minutes_total=600, minutes_remaining=600, price=Decimal(0),
                reason="Тест")
    db.session.add(held)
    db.session.flush()
    return held


def test_pass_minutes_are_reported_apart(app):
    build_world(db.session)
    before, _ = services.summaries(JANUARY_PERIOD, compare=False)
    paid = db.session.scalars(select(Visit).where(Visit.payment_method.in_(("cash", "card", "transfer")),
                                                  Visit.user_id.is_not(None))
                              .order_by(Visit.started_at)).all()
    january = [v for v in paid if v.started_at.year == 2025 and v.started_at.month == 1]
    package = _pass("package", january[0].user_id, "10 часов")
    allowance = _pass("allowance", january[1].user_id, "Соцпрограмма")
    db.session.add_all([PassUse(pass_id=package.id, visit_id=january[0].id, minutes=30),
                        PassUse(pass_id=allowance.id, visit_id=january[1].id, minutes=45),
                        # a use given back by a correction counts for nothing
                        PassUse(pass_id=package.id, visit_id=january[1].id, minutes=15,
                                reversed_at=january[1].started_at)])
    db.session.commit()
    after, _ = services.summaries(JANUARY_PERIOD, compare=False)
    assert after.pass_seconds == 30 * 60
    assert after.subsidised_seconds == before.subsidised_seconds + 45 * 60
    assert after.visit_seconds == before.visit_seconds
