"""Pricing a timed visit: the default tariff's worked examples, edge cases and Hypothesis properties."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anticafe.visits import pricing
from anticafe.visits.pricing import DayKind, Prepaid, Tier, Variant

RULES = pricing.default_rules()
WEEKDAY, WEEKEND = DayKind.WEEKDAY, DayKind.WEEKEND
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def price(active: timedelta, day=WEEKDAY, category="standard", rules=RULES, prepaid=()) -> Decimal:
    return pricing.quote_active(rules, active, day=day, category=category, prepaid=prepaid).amount


@pytest.mark.parametrize(("active", "day", "category", "amount"), [
    (timedelta(minutes=45), WEEKDAY, "standard", "135"),
    (timedelta(minutes=60), WEEKDAY, "standard", "180"),
    (timedelta(minutes=61, seconds=10), WEEKDAY, "standard", "184"),
    (timedelta(minutes=90), WEEKDAY, "standard", "240"),
    (timedelta(minutes=4), WEEKDAY, "standard", "0"),
    (timedelta(minutes=6), WEEKDAY, "standard", "18"),
    (timedelta(hours=5), WEEKDAY, "standard", "600"),
    (timedelta(hours=5), WEEKEND, "standard", "660"),
    (timedelta(minutes=90), WEEKDAY, "student", "192"),
    (timedelta(hours=5), WEEKDAY, "student", "480"),
    # around the edges
    (timedelta(0), WEEKDAY, "standard", "0"),
    (timedelta(minutes=5), WEEKDAY, "standard", "0"),
    (timedelta(minutes=5, seconds=1), WEEKDAY, "standard", "18"),
    (timedelta(hours=10), WEEKEND, "standard", "700"),
    (timedelta(minutes=90), WEEKDAY, "schoolchild", "192"),
    (timedelta(minutes=90), WEEKDAY, "volunteer", "240"),
])
def test_default_tariff_worked_examples(active, day, category, amount):
    assert price(active, day, category) == Decimal(amount)


def test_the_breakdown_explains_the_amount():
    result = pricing.quote_active(RULES, timedelta(hours=5), day=WEEKDAY, category="student")
    assert [line.kind for line in result.lines] == ["tier", "tier", "cap", "discount"]
    assert [(line.first_minute, line.last_minute, line.rate) for line in result.lines[:2]] == [
        (1, 60, Decimal(3)), (61, 300, Decimal(2))]
    assert sum((line.amount for line in result.lines), Decimal(0)) == result.amount == Decimal(480)
    assert result.billed_minutes == 300 and result.capped and result.charge == Decimal(660)


def test_started_minute_and_rounding_unit():
    assert pricing.quote_active(RULES, timedelta(minutes=61, seconds=10), day=WEEKDAY).billed_minutes == 62
    quarter = pricing.TariffRules(weekday=Variant((Tier(1, Decimal(2)),)), weekend=Variant((Tier(1, Decimal(2)),)),
                                  unit_minutes=15)
    assert pricing.quote_active(quarter, timedelta(minutes=16), day=WEEKDAY).billed_minutes == 30
    assert price(timedelta(minutes=16), rules=quarter) == Decimal(60)


def test_minimum_charge_and_rounding_of_fractional_rates():
    rules = pricing.TariffRules(weekday=Variant((Tier(1, Decimal("2.5")),), cap=Decimal(500)),
                                weekend=Variant((Tier(1, Decimal("2.5")),)), minimum_charge=Decimal(50),
                                discounts={"student": Decimal(15)})
    assert price(timedelta(minutes=3), rules=rules) == Decimal(50)
    assert price(timedelta(minutes=21), rules=rules) == Decimal("53")  # 52.5 rounds half up
    result = pricing.quote_active(rules, timedelta(minutes=21), day=WEEKDAY, category="student")
    assert result.amount == Decimal(45)  # 52.5 - 15 % = 44.625
    assert result.lines[-1].kind == "rounding"


def test_prepaid_minutes_cover_the_first_minutes_and_the_cap_still_protects():
    package = Prepaid("pass-1", "10 hours", 60)
    result = pricing.quote_active(RULES, timedelta(minutes=90), day=WEEKDAY, prepaid=[package])
    assert result.amount == Decimal(60)  # minutes 61–90 at 2 ₽
    assert result.prepaid_used == (pricing.PrepaidUse("pass-1", "10 hours", 60),)
    two = pricing.quote_active(RULES, timedelta(minutes=90), day=WEEKDAY,
                               prepaid=[Prepaid("a", "A", 20), Prepaid("b", "B", 100)])
    assert [u.minutes for u in two.prepaid_used] == [20, 70] and two.amount == 0
    membership = pricing.quote_active(RULES, timedelta(hours=8), day=WEEKEND, prepaid=[Prepaid("m", "Month", None)])
    assert membership.amount == 0 and membership.prepaid_used[0].minutes == 480
    small = pricing.quote_active(RULES, timedelta(hours=8), day=WEEKDAY, prepaid=[Prepaid("p", "P", 10)])
    assert small.amount == Decimal(600)
    short = pricing.quote_active(RULES, timedelta(minutes=4), day=WEEKDAY, prepaid=[package])
    assert short.prepaid_used == () and short.amount == 0


@pytest.mark.parametrize(("day", "holidays", "kind"), [
    (date(2026, 11, 23), [], WEEKDAY),  # Monday
    (date(2026, 11, 28), [], WEEKEND),  # Saturday
    (date(2026, 11, 29), [], WEEKEND),  # Sunday
    (date(2026, 11, 4), [date(2026, 11, 4)], WEEKEND),  # a Wednesday holiday
])
def test_day_kind(day, holidays, kind):
    assert pricing.day_kind(day, holidays) == kind


def test_rules_round_trip_through_json():
    rules = pricing.TariffRules(weekday=Variant((Tier(1, Decimal("3.5")), Tier(31, Decimal(2))), None),
                                weekend=Variant((Tier(1, Decimal(4)),), Decimal(900)), unit_minutes=5,
                                grace_minutes=3, minimum_charge=Decimal(30), discounts={"student": Decimal("12.5")})
    assert pricing.TariffRules.from_dict(rules.to_dict()) == rules
    line = pricing.Line("discount", Decimal("-48"), percent=Decimal(20), label="student")
    assert pricing.Line.from_dict(line.to_dict()) == pricing.Line("discount", Decimal("-48.00"), percent=Decimal(20),
                                                                  label="student")


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"unit_minutes": 0}, "unit_minutes", "unit_range"),
    ({"grace_minutes": 90}, "grace_minutes", "grace_range"),
    ({"weekday": Variant((), Decimal(600))}, "weekday_tiers", "tiers_required"),
    ({"weekday": Variant((Tier(2, Decimal(3)),))}, "weekday_tiers", "first_tier_starts_at_one"),
    ({"weekend": Variant((Tier(1, Decimal(3)), Tier(1, Decimal(2))))}, "weekend_tiers", "tiers_out_of_order"),
    ({"weekend": Variant((Tier(1, Decimal(-1)),))}, "weekend_tiers", "negative_rate"),
    ({"weekday": Variant((Tier(1, Decimal(3)),), Decimal("600.5"))}, "weekday_cap", "whole_rubles"),
    ({"minimum_charge": Decimal(800)}, "minimum_charge", "minimum_above_cap"),
    ({"discounts": {"student": Decimal(120)}}, "discount_student", "percent_range"),
])
def test_rules_problems(change, field, code):
    fields = {name: getattr(RULES, name) for name in
              ("weekday", "weekend", "unit_minutes", "grace_minutes", "minimum_charge", "discounts")}
    assert pricing.rules_problems(RULES) == {}
    assert code in pricing.rules_problems(pricing.TariffRules(**{**fields, **change}))[field]


def test_parse_decimal():
    assert pricing.parse_decimal("2,5") == Decimal("2.5")
    assert pricing.parse_decimal(" 600 ") == Decimal(600)
    assert pricing.parse_decimal("abc") is None and pricing.parse_decimal("nan") is None


def test_segments_must_not_run_backwards():
    with pytest.raises(ValueError):
        pricing.active_time([(T0, T0 - timedelta(minutes=1))])


# ------------------------------------------------------------------------------------------------
# Properties

money = st.decimals(min_value=0, max_value=20, places=2)


@st.composite
def tariffs(draw):
    """Any valid tariff: 1–4 tiers, optional whole-ruble caps, grace, unit, minimum, discounts."""
    def variant():
        count = draw(st.integers(1, 4))
        starts = sorted(draw(st.sets(st.integers(2, 600), min_size=count - 1, max_size=count - 1)))
        tiers = tuple(Tier(first, draw(money)) for first in [1, *starts])
        cap = draw(st.none() | st.integers(1, 3000).map(Decimal))
        return Variant(tiers, cap)

    weekday, weekend = variant(), variant()
    caps = [c for c in (weekday.cap, weekend.cap) if c is not None]
    minimum = Decimal(draw(st.integers(0, int(min(caps)) if caps else 200)))
    discounts = {"standard": Decimal(0), "student": Decimal(draw(st.integers(0, 100))),
                 "schoolchild": draw(st.decimals(min_value=0, max_value=100, places=1))}
    rules = pricing.TariffRules(weekday=weekday, weekend=weekend, unit_minutes=draw(st.sampled_from([1, 5, 15, 30])),
                                grace_minutes=draw(st.integers(0, 15)), minimum_charge=minimum, discounts=discounts)
    assert pricing.rules_problems(rules) == {}
    return rules


durations = st.integers(min_value=0, max_value=16 * 3600).map(lambda s: timedelta(seconds=s))
days = st.sampled_from([WEEKDAY, WEEKEND])
categories = st.sampled_from(["standard", "student", "schoolchild", "unknown"])


@settings(max_examples=150, deadline=None)
@given(tariffs(), durations, days, categories)
def test_never_negative_and_whole_rubles(rules, active, day, category):
    amount = price(active, day, category, rules)
    assert amount >= 0
    assert amount == amount.to_integral_value()


@settings(max_examples=150, deadline=None)
@given(tariffs(), durations, durations, days, categories)
def test_never_decreasing_as_the_stay_grows(rules, a, b, day, category):
    shorter, longer = sorted([a, b])
    assert price(shorter, day, category, rules) <= price(longer, day, category, rules)


@settings(max_examples=150, deadline=None)
@given(tariffs(), durations, days)
def test_never_above_the_cap_before_the_discount(rules, active, day):
    cap = rules.variant(day).cap
    result = pricing.quote_active(rules, active, day=day, category="standard")
    if cap is not None:
        assert result.amount <= cap


@settings(max_examples=150, deadline=None)
@given(tariffs(), durations, days, categories)
def test_a_discount_never_raises_the_price(rules, active, day, category):
    assert price(active, day, category, rules) <= price(active, day, "standard", rules)


@st.composite
def visits_with_a_pause(draw):
    """A stay from T0 to an end, and the same stay with a pause somewhere inside it."""
    total = draw(st.integers(0, 10 * 3600))
    pause_start = draw(st.integers(0, total))
    pause_end = draw(st.integers(pause_start, total))
    end = T0 + timedelta(seconds=total)
    whole = [(T0, end)]
    paused = [(T0, T0 + timedelta(seconds=pause_start)), (T0 + timedelta(seconds=pause_end), end)]
    return whole, paused


@settings(max_examples=150, deadline=None)
@given(tariffs(), visits_with_a_pause(), days, categories)
def test_pausing_never_raises_the_price(rules, stays, day, category):
    whole, paused = stays
    assert (pricing.quote(rules, paused, day=day, category=category).amount
            <= pricing.quote(rules, whole, day=day, category=category).amount)


@st.composite
def segment_lists(draw):
    """Consecutive segments with gaps (pauses) between them."""
    segments, moment = [], T0
    for _ in range(draw(st.integers(0, 6))):
        moment += timedelta(seconds=draw(st.integers(0, 3600)))
        length = timedelta(seconds=draw(st.integers(0, 3 * 3600)))
        segments.append((moment, moment + length))
        moment += length
    return segments


@settings(max_examples=150, deadline=None)
@given(tariffs(), segment_lists(), days, categories)
def test_the_sum_over_segments_is_priced_as_the_total_active_time(rules, segments, day, category):
    total = sum((end - start for start, end in segments), timedelta(0))
    by_segments = pricing.quote(rules, segments, day=day, category=category)
    by_total = pricing.quote_active(rules, total, day=day, category=category)
    assert by_segments.amount == by_total.amount
    assert by_segments.billed_minutes == by_total.billed_minutes


@settings(max_examples=100, deadline=None)
@given(tariffs(), durations, days, categories)
def test_the_lines_add_up_to_the_amount(rules, active, day, category):
    result = pricing.quote_active(rules, active, day=day, category=category)
    assert sum((line.amount for line in result.lines), Decimal(0)) == result.amount


# The live board prices every guest inside with `live_amount`: plain arithmetic, no bill lines. It
# must say what `quote_active` says, whatever the tariff.
_rates = st.integers(min_value=0, max_value=1000).map(lambda n: Decimal(n) / 4)


@st.composite
def _any_rules(draw):
    def variant():
        starts = sorted(draw(st.sets(st.integers(min_value=2, max_value=600), max_size=3)))
        tiers = tuple(Tier(first, draw(_rates)) for first in [1, *starts])
        cap = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=2000).map(Decimal)))
        return Variant(tiers, cap)

    return pricing.TariffRules(
        weekday=variant(), weekend=variant(), unit_minutes=draw(st.integers(min_value=1, max_value=60)),
        grace_minutes=draw(st.integers(min_value=0, max_value=60)),
        minimum_charge=Decimal(draw(st.integers(min_value=0, max_value=500))),
        discounts={"standard": Decimal(0), "student": Decimal(draw(st.integers(min_value=0, max_value=100))),
                   "odd": Decimal("12.5")})


@settings(max_examples=400, deadline=None)
@given(rules=_any_rules(), seconds=st.integers(min_value=0, max_value=24 * 3600),
       day=st.sampled_from([WEEKDAY, WEEKEND]), category=st.sampled_from(["standard", "student", "odd", "unknown"]))
def test_live_amount_says_what_the_full_quote_says(rules, seconds, day, category):
    active = timedelta(seconds=seconds)
    full = pricing.quote_active(rules, active, day=day, category=category)
    assert pricing.live_amount(rules, active, day=day, category=category) == (full.amount, full.cap, full.capped)
    assert str(pricing.live_amount(rules, active, day=day, category=category)[0]) == str(full.amount)


@pytest.mark.parametrize("minutes", [0, 4, 5, 6, 59, 60, 61, 200, 299, 300, 301, 1440])
@pytest.mark.parametrize("category", ["standard", "schoolchild"])
def test_live_amount_of_the_default_tariff(minutes, category):
    active = timedelta(minutes=minutes, seconds=1 if minutes else 0)
    full = pricing.quote_active(RULES, active, day=WEEKEND, category=category)
    assert pricing.live_amount(RULES, active, day=WEEKEND, category=category) == (full.amount, full.cap, full.capped)
