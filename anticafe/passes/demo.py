"""Demo passes: the café's pass types, packages and memberships sold lately, the committee's allowances,
and the demo visits of their holders paid by them."""

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..payments import PaymentMethod
from ..timeutil import from_venue, to_venue, venue_today
from ..visits import pricing
from ..visits.models import VisitStatus
from . import rules
from .models import Pass, PassType, PassUse
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

#: The social categories the demo programme's holders qualify under (codes; admins see them only).
CATEGORIES = ["large_family", "low_income", "social_service", "hard_situation"]


def _at(day, hour: int):
    return from_venue(datetime.combine(day, time(hour)))


def seed(ctx) -> None:
    """Add the pass types, a few dozen passes among the demo visitors, and let them pay their visits."""
    rng = ctx.random
    today = venue_today()
    staff = db.session.scalar(select(User).where(User.email == "staff@anticafe.demo"))
    types = {}
    for name, kind, minutes, days, price, weekdays, by_staff, by_committee, description in TYPES:
        types[kind if name != "Будни безлимит" else "weekdays"] = PassType(
            name=name, kind=kind.value, minutes=minutes, validity_days=days, price=price, weekdays_only=weekdays,
            staff_may_issue=by_staff, committee_may_issue=by_committee, description=description,
            places=12 if kind == PassKind.ALLOWANCE else None,
            categories=",".join(rules.SOCIAL_CATEGORIES) if kind == PassKind.ALLOWANCE else "")
    db.session.add_all(types.values())
    db.session.flush()

    # Passes go to people who come often (the demo visits' regulars), so that they are used.
    visits_by_person = defaultdict(list)
    for visit in ctx.data.get("visits", []):
        if visit.user is not None and visit.status == VisitStatus.PAID:
            visits_by_person[visit.user.id].append(visit)
    visitors = list(ctx.data.get("visitors", []))
    regulars = sorted((v for v in visitors if len(visits_by_person[v.id]) >= 3), key=lambda v: v.id)
    others = [v for v in visitors if len(visits_by_person[v.id]) < 3]
    rng.shuffle(regulars)
    rng.shuffle(others)
    holders = regulars + others
    passes: list[Pass] = []

    def sell(person, pass_type, days_ago: int):
        start = today - timedelta(days=days_ago)
        first, last = rules.period_window(start, pass_type.validity_days)
        passes.append(Pass(type=pass_type, user_id=person.id, kind=pass_type.kind, name=pass_type.name,
                           weekdays_only=pass_type.weekdays_only, starts_on=first, ends_on=last,
                           minutes_total=pass_type.minutes, minutes_remaining=pass_type.minutes,
                           price=pass_type.price, payment_method=rng.choice(["cash", "card", "card", "transfer"]),
                           issued_by_id=staff.id if staff else None, issued_at=_at(start, rng.randint(11, 21))))

    # Packages: most current, a few expired with their unused minutes still shown.
    for person in holders[:14]:
        sell(person, types[PassKind.PACKAGE], rng.choice([2, 5, 9, 15, 24, 33, 41, 52, 66, 75]))
    for person in holders[14:19]:
        sell(person, types[PassKind.MEMBERSHIP], rng.randint(1, 40))
    for person in holders[19:22]:
        sell(person, types["weekdays"], rng.randint(1, 25))

    # The committee's social programme, granted by staff: this month for eight young people, last month for six.
    allowance = types[PassKind.ALLOWANCE]
    young = [v for v in holders[22:80] if v.guest_category == "schoolchild"][:8]
    last_month = rules.add_months(today, -1)
    for index, person in enumerate(young):
        category = CATEGORIES[index % len(CATEGORIES)]
        months = [(last_month, rules.month_end(last_month))] if index < 6 else []
        months.append((max(rules.month_start(today), today - timedelta(days=index)), rules.month_end(today)))
        for first, last in months:
            passes.append(Pass(type=allowance, user_id=person.id, kind=allowance.kind, name=allowance.name,
                               starts_on=first, ends_on=last, minutes_total=allowance.minutes,
                               minutes_remaining=allowance.minutes, price=Decimal(0), reason=allowance.name,
                               social_category=category, issued_by_id=staff.id if staff else None,
                               issued_at=_at(first, 12)))
    db.session.add_all(passes)
    db.session.flush()
    _pay_visits_with_passes(passes, visits_by_person)
    ctx.data["passes"] = passes
    ctx.data["pass_types"] = types


def _pay_visits_with_passes(passes: list[Pass], visits_by_person: dict) -> None:
    """Re-price the holders' demo visits in their passes' windows as the checkout would have."""
    tariff = pricing.default_rules()
    by_person = defaultdict(list)
    for held in passes:
        by_person[held.user_id].append(held)
    uses = []
    for person_id, held in by_person.items():
        for visit in sorted(visits_by_person.get(person_id, []), key=lambda v: v.started_at):
            day = to_venue(visit.started_at).date()
            if not any(p.starts_on <= day <= p.ends_on and to_venue(p.issued_at) <= to_venue(visit.started_at)
                       for p in held):
                continue
            kind = pricing.DayKind(visit.day_kind)
            active = pricing.active_time((s.started_at, s.ended_at) for s in visit.segments)

            def price(covered: int, active=active, kind=kind, visit=visit) -> Decimal:
                prepaid = [pricing.Prepaid("covered", "", covered)] if covered else []
                return pricing.quote_active(tariff, active, day=kind, category=visit.guest_category,
                                            prepaid=prepaid).amount

            issued_before = [p for p in held if to_venue(p.issued_at) <= to_venue(visit.started_at)]
            holiday = kind == pricing.DayKind.WEEKEND and day.weekday() < 5
            allocation = rules.allocate(rules.VisitFacts(day, visit.billed_minutes or 0, holiday),
                                        [p.holding() for p in issued_before], price)
            if not allocation.uses:
                continue
            offers = [pricing.Prepaid(f"pass:{u.pass_id}", u.label, u.minutes) for u in allocation.uses]
            result = pricing.quote_active(tariff, active, day=kind, category=visit.guest_category, prepaid=offers)
            if visit.bill is not None:
                visit.bill.total -= visit.amount - result.amount
            visit.amount = result.amount
            visit.breakdown = [line.to_dict() for line in result.lines]
            if result.amount == 0:
                visit.payment_method, visit.note = PaymentMethod.CASH.value, None
            owners = {p.id: p for p in held}
            for use in allocation.uses:
                owner = owners[use.pass_id]
                if owner.holds_minutes:
                    owner.minutes_remaining -= use.minutes
                uses.append(PassUse(pass_id=owner.id, visit_id=visit.id, minutes=use.minutes,
                                    created_at=visit.ended_at))
    db.session.add_all(uses)
