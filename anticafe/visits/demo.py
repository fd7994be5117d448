"""Demo visits: the default tariff, a month of paid visits (afternoons and evenings, busier at weekends,
some subsidised, friends paying for each other, a few corrections) and a few guests inside right now."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import User
from ..db import utcnow
from ..extensions import db
from ..payments import PaymentMethod
from ..timeutil import venue_now, venue_tz
from . import pricing
from .models import Bill, Holiday, Tariff, Visit, VisitCorrection, VisitSegment, VisitStatus

DAYS = 30
SUBSIDY_REASONS = [
    "Социальная программа молодёжного комитета",
    "Волонтёр на турнире по мафии",
    "Победитель викторины: бесплатный вечер",
    "Многодетная семья, решение комитета",
]
CORRECTION_REASONS = [
    "Забыли остановить: гость ушёл раньше",
    "Начало отметили с опозданием",
]
#: start hour weights: the café opens at 10; most guests come after school, college and work
HOUR_WEIGHTS = {10: 1, 11: 1, 12: 2, 13: 3, 14: 5, 15: 7, 16: 9, 17: 10, 18: 10, 19: 8, 20: 5, 21: 2}
METHOD_WEIGHTS = {PaymentMethod.CARD: 46, PaymentMethod.CASH: 30, PaymentMethod.TRANSFER: 16,
                  PaymentMethod.SUBSIDISED: 8}
#: how many come together: mostly alone, sometimes with one or two friends
PARTY_WEIGHTS = {1: 78, 2: 14, 3: 8}


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _stay(rng) -> timedelta:
    """A stay of 20 minutes to 5 hours, most of them one to two hours."""
    minutes = int(rng.lognormvariate(4.45, 0.5))
    return timedelta(minutes=min(max(minutes, 20), 300), seconds=rng.randint(0, 59))


def _holidays(today: date) -> list[Holiday]:
    new_year = today.year + (1 if today.month > 1 else 0)
    days = [Holiday(day=date(today.year, 11, 4), name="День народного единства")]
    days += [Holiday(day=date(new_year, 1, d), name="Новогодние каникулы") for d in range(1, 9)]
    return days


def seed(ctx) -> None:
    """Add the default tariff, holidays, a month of finished visits and a few guests inside now."""
    rng = ctx.random
    people = list(ctx.data.get("visitors", []))
    tz = venue_tz()
    today = venue_now().date()
    tariff = Tariff(version=1, rules=pricing.default_rules().to_dict(), note="Тариф по умолчанию",
                    created_at=utcnow() - timedelta(days=DAYS + 5))
    holidays = _holidays(today)
    db.session.add(tariff)
    db.session.add_all(holidays)
    if not people:
        return
    holiday_days = [h.day for h in holidays]
    staff = db.session.scalar(select(User).where(User.email == "staff@anticafe.demo"))
    rules = pricing.default_rules()
    regulars = rng.sample(people, k=min(70, len(people)))
    visits: list[Visit] = []
    bills: list[Bill] = []

    for offset in range(DAYS, 0, -1):
        day = today - timedelta(days=offset)
        kind = pricing.day_kind(day, holiday_days)
        count = rng.randint(22, 34) if kind == pricing.DayKind.WEEKEND else rng.randint(9, 18)
        guests = rng.sample(regulars, k=min(count, len(regulars)))
        closing = datetime.combine(day, time(23), tzinfo=tz)
        while guests:
            size = min(rng.choices(list(PARTY_WEIGHTS), list(PARTY_WEIGHTS.values()))[0], len(guests))
            party, guests = guests[:size], guests[size:]
            hour = rng.choices(list(HOUR_WEIGHTS), list(HOUR_WEIGHTS.values()))[0]
            arrival = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=tz)
            stay = _stay(rng)
            method = rng.choices(list(METHOD_WEIGHTS), list(METHOD_WEIGHTS.values()))[0]
            group: list[Visit] = []
            for person in party:
                start = arrival + timedelta(minutes=rng.randint(0, 3))
                end = min(start + stay + timedelta(minutes=rng.randint(-5, 5)), closing)
                spans = [(start, end)]
                if rng.random() < 0.12 and end - start > timedelta(minutes=60):
                    pause = start + (end - start) / 2
                    spans = [(start, pause), (pause + timedelta(minutes=rng.randint(10, 25)), end)]
                result = pricing.quote(rules, [(_utc(a), _utc(b)) for a, b in spans], day=kind,
                                       category=person.guest_category)
                own_method = method if size > 1 else rng.choices(list(METHOD_WEIGHTS), list(METHOD_WEIGHTS.values()))[0]
                note = rng.choice(SUBSIDY_REASONS) if own_method == PaymentMethod.SUBSIDISED else None
                if result.amount == 0:
                    own_method, note = PaymentMethod.CASH, None
                visit = Visit(user=person, guest_category=person.guest_category, status=VisitStatus.PAID,
                              started_at=_utc(start), ended_at=_utc(end), billed_minutes=result.billed_minutes,
                              amount=result.amount, day_kind=kind.value,
                              breakdown=[line.to_dict() for line in result.lines], payment_method=own_method.value,
                              paid_at=_utc(end), note=note, tariff=tariff, started_by=staff, stopped_by_id=None,
                              segments=[VisitSegment(started_at=_utc(a), ended_at=_utc(b)) for a, b in spans])
                if rng.random() < 0.03:
                    visit.corrections.append(VisitCorrection(
                        at=_utc(end) + timedelta(minutes=50), staff=staff, reason=rng.choice(CORRECTION_REASONS),
                        changes={"ended_at": [_utc(end + timedelta(minutes=40)).isoformat(), _utc(end).isoformat()]},
                        amount_before=result.amount + Decimal(40), amount_after=result.amount))
                visits.append(visit)
                group.append(visit)
            payers = [group] if size > 1 and method != PaymentMethod.SUBSIDISED else [[v] for v in group]
            for paid in payers:
                first = paid[0]
                paid_at = max(v.ended_at for v in paid)
                for visit in paid:
                    visit.paid_at = paid_at
                    visit.payment_method = first.payment_method if visit.amount else visit.payment_method
                bills.append(Bill(payer_name=first.user.name, payer=first.user, payment_method=first.payment_method,
                                  total=sum((v.amount for v in paid), Decimal(0)), note=first.note, paid_at=paid_at,
                                  staff=staff, visits=paid))

    # A few guests inside right now: started today, not before opening time.
    local_now = venue_now()
    opening = min(datetime.combine(local_now.date(), time(10), tzinfo=tz), local_now)
    inside = rng.sample(people, k=min(7, len(people)))
    for number, person in enumerate(inside):
        start = max(local_now - timedelta(minutes=rng.randint(10, 170)), opening)
        visit = Visit(user=person, guest_category=person.guest_category, status=VisitStatus.ACTIVE,
                      started_at=_utc(start), tariff=tariff, started_by=staff,
                      segments=[VisitSegment(started_at=_utc(start))])
        if number == 0 and local_now - start > timedelta(minutes=40):
            visit.status = VisitStatus.PAUSED
            visit.segments = [VisitSegment(started_at=_utc(start), ended_at=_utc(start + timedelta(minutes=20)))]
        visits.append(visit)
    db.session.add_all(visits)
    db.session.add_all(bills)
    ctx.data["visits"] = visits
