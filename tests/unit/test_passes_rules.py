"""Which passes pay for a visit: parametrized cases and Hypothesis properties."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anticafe.passes import rules
from anticafe.passes.rules import Holding, PassKind, PassStatus, VisitFacts

MONDAY = date(2026, 3, 16)
SATURDAY = date(2026, 3, 21)


def tariff(minutes: int, *, rates=((1, Decimal(3)), (61, Decimal(2))), cap: Decimal | None = Decimal(600),
           grace: int = 5, discount: Decimal = Decimal(0)):
    """A price callback like the café's default tariff: passes pay the first k minutes, the tiers the rest.

    Minutes 1–60 at 3 ₽, later minutes at 2 ₽, a visit of 5 minutes or less free, the cap on the
    charge, then the discount, rounded to whole rubles.
    """

    def price(covered: int) -> Decimal:
        if minutes <= grace:
            return Decimal(0)
        charge = Decimal(0)
        for index, (first, rate) in enumerate(rates):
            last = rates[index + 1][0] - 1 if index + 1 < len(rates) else minutes
            lo, hi = max(first, covered + 1), min(last, minutes)
            if hi >= lo:
                charge += rate * (hi - lo + 1)
        if cap is not None:
            charge = min(charge, cap)
        charge -= charge * discount / 100
        return charge.quantize(Decimal(1), rounding=ROUND_HALF_UP)

    return price


def package(pid=1, minutes=600, ends=MONDAY + timedelta(days=30), starts=MONDAY - timedelta(days=30), **kw):
    return Holding(id=pid, kind=PassKind.PACKAGE, starts_on=starts, ends_on=ends, minutes_remaining=minutes, **kw)


def allowance(pid=2, minutes=480, month=MONDAY, **kw):
    return Holding(id=pid, kind=PassKind.ALLOWANCE, starts_on=rules.month_start(month),
                   ends_on=rules.month_end(month), minutes_remaining=minutes, **kw)


def membership(pid=3, ends=MONDAY + timedelta(days=10), weekdays_only=False, **kw):
    return Holding(id=pid, kind=PassKind.MEMBERSHIP, starts_on=MONDAY - timedelta(days=20), ends_on=ends,
                   weekdays_only=weekdays_only, **kw)


def uses(allocation) -> list[tuple[int, int]]:
    return [(u.pass_id, u.minutes) for u in allocation.uses]


CASES = {
    "package covers a whole visit": (
        MONDAY, 90, [package(minutes=600)], [(1, 90)], Decimal(0)),
    "package partly covers a visit: the rest at the later rate": (
        MONDAY, 90, [package(minutes=60)], [(1, 60)], Decimal(60)),
    "package partly covers the first hour": (
        MONDAY, 90, [package(minutes=30)], [(1, 30)], Decimal(150)),
    "membership covers the whole visit": (
        MONDAY, 300, [membership()], [(3, 300)], Decimal(0)),
    "weekday membership does not apply on Saturday": (
        SATURDAY, 90, [membership(ends=SATURDAY + timedelta(days=5), weekdays_only=True)], [], Decimal(240)),
    "weekday membership on Saturday: the package pays instead": (
        SATURDAY, 90, [membership(ends=SATURDAY + timedelta(days=5), weekdays_only=True),
                       package(ends=SATURDAY + timedelta(days=5), minutes=45)], [(1, 45)], Decimal(105)),
    "membership first, the package is kept": (
        MONDAY, 90, [package(minutes=600), membership()], [(3, 90)], Decimal(0)),
    "allowance expired yesterday": (
        date(2026, 4, 1), 90, [allowance(month=date(2026, 3, 1))], [], Decimal(240)),
    "allowance on its last day": (
        date(2026, 3, 31), 90, [allowance(month=date(2026, 3, 1))], [(2, 90)], Decimal(0)),
    "package expired yesterday": (
        MONDAY, 90, [package(ends=MONDAY - timedelta(days=1))], [], Decimal(240)),
    "package not started yet": (
        MONDAY, 90, [package(starts=MONDAY + timedelta(days=1))], [], Decimal(240)),
    "two passes used in order of expiry": (
        MONDAY, 90, [package(pid=1, minutes=600, ends=MONDAY + timedelta(days=50)),
                     package(pid=4, minutes=40, ends=MONDAY + timedelta(days=5))], [(4, 40), (1, 50)], Decimal(0)),
    "allowance before a package expiring later": (
        MONDAY, 90, [package(pid=1, ends=date(2026, 5, 1)), allowance(pid=2, minutes=30)], [(2, 30), (1, 60)],
        Decimal(0)),
    "same expiry: allowance first": (
        MONDAY, 90, [package(pid=1, minutes=50, ends=date(2026, 3, 31)), allowance(pid=2, minutes=50)],
        [(2, 50), (1, 40)], Decimal(0)),
    "used-up package is skipped": (
        MONDAY, 90, [package(pid=1, minutes=0, ends=MONDAY), package(pid=4, minutes=600)], [(4, 90)], Decimal(0)),
    "cancelled pass does not apply": (
        MONDAY, 90, [package(cancelled=True)], [], Decimal(240)),
    "a visit within the grace period spends nothing": (
        MONDAY, 4, [package(), membership()], [], Decimal(0)),
    "minutes past the cap are not paid by a pass": (
        MONDAY, 600, [package(minutes=200)], [], Decimal(600)),
    "a big package pays a long stay only as far as it saves money": (
        MONDAY, 600, [package(minutes=400)], [(1, 400)], Decimal(400)),
    "no passes": (
        MONDAY, 90, [], [], Decimal(240)),
}


@pytest.mark.parametrize(("day", "minutes", "holdings", "expected", "due"), list(CASES.values()), ids=list(CASES))
def test_allocate(day, minutes, holdings, expected, due):
    allocation = rules.allocate(VisitFacts(day, minutes), holdings, tariff(minutes))
    assert uses(allocation) == expected
    assert allocation.due == due
    assert allocation.tariff_only == tariff(minutes)(0)


def test_monthly_allowance_is_not_carried_over():
    """March's unused minutes do not pay in April; April's own allowance pays only what it holds."""
    march = allowance(pid=1, minutes=400, month=date(2026, 3, 1))
    april = allowance(pid=2, minutes=60, month=date(2026, 4, 1))
    allocation = rules.allocate(VisitFacts(date(2026, 4, 2), 120), [march, april], tariff(120))
    assert uses(allocation) == [(2, 60)]
    assert allocation.due == Decimal(120)
    assert march.status(date(2026, 4, 2)) == PassStatus.EXPIRED


def test_weekday_membership_does_not_apply_on_a_holiday():
    monday_holiday = VisitFacts(MONDAY, 90, holiday=True)
    allocation = rules.allocate(monday_holiday, [membership(weekdays_only=True)], tariff(90))
    assert allocation.uses == () and allocation.due == Decimal(240)


def test_discount_applies_to_what_the_passes_leave():
    allocation = rules.allocate(VisitFacts(MONDAY, 90), [package(minutes=60)], tariff(90, discount=Decimal(20)))
    assert uses(allocation) == [(1, 60)] and allocation.due == Decimal(48)


@pytest.mark.parametrize(("today", "status"), [
    (MONDAY - timedelta(days=31), PassStatus.UPCOMING),
    (MONDAY, PassStatus.ACTIVE),
    (MONDAY + timedelta(days=30), PassStatus.ACTIVE),
    (MONDAY + timedelta(days=31), PassStatus.EXPIRED),
])
def test_status_by_date(today, status):
    assert package().status(today) == status


def test_status_used_up_and_cancelled():
    assert package(minutes=0).status(MONDAY) == PassStatus.USED_UP
    assert package(minutes=0, ends=MONDAY - timedelta(days=1)).status(MONDAY) == PassStatus.EXPIRED
    assert package(cancelled=True).status(MONDAY) == PassStatus.CANCELLED
    assert membership().status(MONDAY) == PassStatus.ACTIVE


def test_windows():
    assert rules.period_window(date(2026, 1, 31), 30) == (date(2026, 1, 31), date(2026, 3, 1))
    assert rules.allowance_windows(date(2026, 11, 20), date(2026, 11, 20), 3) == [
        (date(2026, 11, 20), date(2026, 11, 30)), (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 31))]
    assert rules.allowance_windows(date(2026, 11, 20), date(2027, 2, 10), 1) == [(date(2027, 2, 1), date(2027, 2, 28))]


@pytest.mark.parametrize(("role", "staff", "committee", "allowed"), [
    ("admin", False, False, True),
    ("staff", True, False, True),
    ("staff", False, True, False),
    ("committee", False, True, False),
    ("committee", True, False, False),
    ("visitor", True, True, False),
])
def test_may_issue(role, staff, committee, allowed):
    assert rules.may_issue(role, staff_may_issue=staff, committee_may_issue=committee) is allowed


@pytest.mark.parametrize(("fields", "problems"), [
    ({"kind": "package", "minutes": 600, "validity_days": 60, "price": Decimal(1500)}, {}),
    ({"kind": "membership", "minutes": None, "validity_days": 30, "price": Decimal(3000)}, {}),
    ({"kind": "allowance", "minutes": 480, "validity_days": None, "price": Decimal(0), "committee_may_issue": True},
     {}),
    ({"kind": "allowance", "minutes": 480, "validity_days": None, "price": Decimal(100)},
     {"price": ["allowance_is_free"]}),
    ({"kind": "package", "minutes": None, "validity_days": 0, "price": Decimal(-1)},
     {"hours": ["required"], "validity_days": ["validity_range"], "price": ["price_invalid"]}),
    ({"kind": "membership", "minutes": None, "validity_days": 30, "price": Decimal(1), "committee_may_issue": True},
     {"committee_may_issue": ["committee_grants_allowances"]}),
    ({"kind": "coupon", "minutes": 1, "validity_days": 1, "price": Decimal(1)}, {"kind": ["unknown_kind"]}),
    ({"name": " ", "kind": "package", "minutes": 60, "validity_days": 1, "price": Decimal("0.001")},
     {"name": ["required"], "price": ["price_invalid"]}),
])
def test_pass_type_problems(fields, problems):
    data = {"name": "10 часов", "committee_may_issue": False, **fields}
    assert rules.pass_type_problems(**data) == problems


@pytest.mark.parametrize(("kind", "price", "method", "reason", "months", "problems"), [
    ("package", Decimal(1500), "cash", None, 1, {}),
    ("package", Decimal(1500), None, "prize", 1, {"payment_method": ["payment_required"]}),
    ("package", Decimal(0), None, "tournament prize", 1, {}),
    ("package", Decimal(0), "cash", "", 1, {"reason": ["reason_required"]}),
    ("allowance", Decimal(0), None, "large_family", 3, {}),
    ("allowance", Decimal(0), None, "large_family", 13, {"months": ["months_range"]}),
    ("allowance", Decimal(0), None, None, 0, {"social_category": ["category_required"], "months": ["months_range"]}),
    ("allowance", Decimal(0), None, "многодетная семья", 1, {"social_category": ["category_required"]}),
])
def test_issue_problems(kind, price, method, reason, months, problems):
    """A free pass needs a reason; an allowance a known social category code instead of free text."""
    category = reason if kind == "allowance" else None
    assert rules.issue_problems(kind, price, payment_method=method, reason=reason, months=months,
                                social_category=category) == problems


def test_a_programme_admits_only_its_categories():
    found = rules.issue_problems("allowance", Decimal(0), payment_method=None, reason=None, months=1,
                                 social_category="orphan", categories=("large_family", "low_income"))
    assert found == {"social_category": ["category_required"]}
    assert rules.parse_categories("low_income, nonsense,large_family") == ("large_family", "low_income")


# ------------------------------------------------------------------------------------------------
# Properties

DAY = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def holdings(draw):
    count = draw(st.integers(0, 5))
    found = []
    for pid in range(1, count + 1):
        kind = draw(st.sampled_from(list(PassKind)))
        start = draw(DAY)
        end = start + timedelta(days=draw(st.integers(0, 60)))
        found.append(Holding(id=pid, kind=kind, starts_on=start, ends_on=end,
                             minutes_remaining=None if kind == PassKind.MEMBERSHIP else draw(st.integers(0, 900)),
                             weekdays_only=draw(st.booleans()), cancelled=draw(st.booleans())))
    return found


@st.composite
def tariffs(draw, minutes: int):
    first_rate = Decimal(draw(st.integers(0, 5)))
    later_rate = Decimal(draw(st.integers(0, 5)))
    cap = draw(st.none() | st.integers(1, 900).map(Decimal))
    return tariff(minutes, rates=((1, first_rate), (draw(st.integers(2, 180)), later_rate)), cap=cap,
                  grace=draw(st.integers(0, 15)), discount=Decimal(draw(st.sampled_from([0, 10, 20, 50, 100]))))


@st.composite
def any_prices(draw, minutes: int):
    """Any non-negative callback at all, even one that rises: the guarantees must still hold."""
    values = draw(st.lists(st.integers(0, 2000), min_size=minutes + 1, max_size=minutes + 1))
    return lambda covered: Decimal(values[covered])


def check(visit: VisitFacts, found: list[Holding], price) -> None:
    allocation = rules.allocate(visit, found, price)
    by_id = {h.id: h for h in found}
    assert allocation.due >= 0
    assert allocation.due <= price(0), "never more than the tariff alone"
    assert allocation.covered <= visit.billable_minutes
    assert len({u.pass_id for u in allocation.uses}) == len(allocation.uses)
    for use in allocation.uses:
        holding = by_id[use.pass_id]
        assert use.minutes > 0
        assert holding.applies_on(visit.day, holiday=visit.holiday)
        if holding.kind != PassKind.MEMBERSHIP:
            assert use.minutes <= holding.minutes_remaining, "never more than a pass holds"
    if allocation.uses:
        assert allocation.due == price(allocation.covered)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), day=DAY, minutes=st.integers(0, 800), holiday=st.booleans(), found=holdings())
def test_properties_with_a_tariff(data, day, minutes, holiday, found):
    price = data.draw(tariffs(minutes))
    visit = VisitFacts(day, minutes, holiday)
    check(visit, found, price)
    allocation = rules.allocate(visit, found, price)
    usable = rules.usable_passes(found, day, holiday=holiday)
    minute_passes = [h for h in usable if h.kind != PassKind.MEMBERSHIP]
    if allocation.uses and allocation.uses[0].kind != PassKind.MEMBERSHIP:
        # Earlier-expiring passes are used up before a later one is touched.
        used = [u.pass_id for u in allocation.uses]
        order = [h.id for h in minute_passes]
        assert used == order[:len(used)]
        for use in allocation.uses[:-1]:
            assert use.minutes == next(h for h in found if h.id == use.pass_id).minutes_remaining
        # Every minute a pass paid lowered the bill: one minute fewer would cost more.
        assert price(allocation.covered - 1) > allocation.due
    if not usable or price(0) == 0:
        assert allocation.uses == ()


@settings(max_examples=150, deadline=None)
@given(data=st.data(), day=DAY, minutes=st.integers(0, 60), found=holdings())
def test_properties_with_any_callback(data, day, minutes, found):
    check(VisitFacts(day, minutes), found, data.draw(any_prices(minutes)))
