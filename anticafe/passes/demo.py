"""Demo passes: the café's pass types, packages and memberships sold lately, the committee's allowances."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..timeutil import from_venue, venue_today
from . import rules
from .models import Pass, PassType
from .rules import PassKind

#: (name, kind, minutes, validity days, price, weekdays only, staff may issue, committee may issue, description)
TYPES = [
    ("10 часов", PassKind.PACKAGE, 600, 60, Decimal(1500), False, True, False,
     "Десять часов в антикафе за 1500 ₽ вместо 1800 ₽ по тарифу. Действует 60 дней."),
    ("Месяц безлимит", PassKind.MEMBERSHIP, None, 30, Decimal(3500), False, True, False,
     "Приходите сколько угодно в течение 30 дней."),
    ("Будни безлимит", PassKind.MEMBERSHIP, None, 30, Decimal(2500), True, True, False,
     "Безлимит с понедельника по пятницу, кроме праздников."),
    ("Соцпрограмма: 8 часов в месяц", PassKind.ALLOWANCE, 480, None, Decimal(0), False, True, True,
     "Бесплатное время по решению молодёжного комитета; остаток не переносится на следующий месяц."),
]

REASONS = [
    "Решение молодёжного комитета: многодетная семья",
    "Решение молодёжного комитета: волонтёр месяца",
    "Направление от социальной службы",
    "Решение молодёжного комитета: активист клуба настольных игр",
]


def _at(day, hour: int):
    return from_venue(datetime.combine(day, time(hour)))


def seed(ctx) -> None:
    """Add the pass types and a few dozen passes among the demo visitors."""
    rng = ctx.random
    today = venue_today()
    staff = db.session.scalar(select(User).where(User.email == "staff@anticafe.demo"))
    committee = db.session.scalar(select(User).where(User.email == "committee@anticafe.demo"))
    types = {}
    for name, kind, minutes, days, price, weekdays, by_staff, by_committee, description in TYPES:
        types[kind if name != "Будни безлимит" else "weekdays"] = PassType(
            name=name, kind=kind.value, minutes=minutes, validity_days=days, price=price, weekdays_only=weekdays,
            staff_may_issue=by_staff, committee_may_issue=by_committee, description=description)
    db.session.add_all(types.values())
    db.session.flush()

    visitors = list(ctx.data.get("visitors", []))
    rng.shuffle(visitors)
    passes = []

    def sell(person, pass_type, days_ago: int):
        start = today - timedelta(days=days_ago)
        first, last = rules.period_window(start, pass_type.validity_days)
        passes.append(Pass(type=pass_type, user_id=person.id, kind=pass_type.kind, name=pass_type.name,
                           weekdays_only=pass_type.weekdays_only, starts_on=first, ends_on=last,
                           minutes_total=pass_type.minutes, minutes_remaining=pass_type.minutes,
                           price=pass_type.price, payment_method=rng.choice(["cash", "card", "card", "transfer"]),
                           issued_by_id=staff.id if staff else None, issued_at=_at(start, rng.randint(11, 21))))

    # Packages: most current, a few expired with their unused minutes still shown.
    for person in visitors[:14]:
        sell(person, types[PassKind.PACKAGE], rng.choice([2, 5, 9, 15, 24, 33, 41, 52, 66, 75]))
    for person in visitors[14:19]:
        sell(person, types[PassKind.MEMBERSHIP], rng.randint(1, 40))
    for person in visitors[19:22]:
        sell(person, types["weekdays"], rng.randint(1, 25))

    # The committee's social programme: this month for eight young people, last month for six of them.
    allowance = types[PassKind.ALLOWANCE]
    young = [v for v in visitors[22:60] if v.guest_category == "schoolchild"][:8]
    last_month = rules.add_months(today, -1)
    for index, person in enumerate(young):
        reason = REASONS[index % len(REASONS)]
        months = [(last_month, rules.month_end(last_month))] if index < 6 else []
        months.append((max(rules.month_start(today), today - timedelta(days=index)), rules.month_end(today)))
        for first, last in months:
            passes.append(Pass(type=allowance, user_id=person.id, kind=allowance.kind, name=allowance.name,
                               starts_on=first, ends_on=last, minutes_total=allowance.minutes,
                               minutes_remaining=allowance.minutes, price=Decimal(0), reason=reason,
                               issued_by_id=committee.id if committee else None, issued_at=_at(first, 12)))
    db.session.add_all(passes)
    ctx.data["passes"] = passes
    ctx.data["pass_types"] = types
