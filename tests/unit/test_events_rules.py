"""Event rules, Markdown rendering and cover pictures: pure functions, no app."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from anticafe.events import images, rules
from anticafe.events.markup import plain_text, render_markdown

T0 = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
CATEGORIES = {"tournament", "talk_show", "party", "contest", "training", "kids", "other"}


def problems(**overrides):
    values = {"title": "Мафия", "category": "tournament", "categories": CATEGORIES, "entry": "free",
              "entries": {"free", "timed"}, "starts_at": T0, "ends_at": T0 + timedelta(hours=3), "capacity": 10,
              "min_age": None, "max_age": None, "opens": None, "closes": None}
    values.update(overrides)
    return rules.event_problems(**values)


@pytest.mark.parametrize(("overrides", "expected"), [
    ({}, {}),
    ({"title": "  "}, {"title": ["required"]}),
    ({"title": "x" * 201}, {"title": ["too_long"]}),
    ({"category": "opera"}, {"category": ["unknown_category"]}),
    ({"entry": "paid"}, {"entry": ["unknown_entry"]}),
    ({"ends_at": T0}, {"ends_at": ["ends_before_start"]}),
    ({"ends_at": T0 - timedelta(minutes=1)}, {"ends_at": ["ends_before_start"]}),
    ({"ends_at": T0 + timedelta(hours=49)}, {"ends_at": ["too_long_event"]}),
    ({"starts_at": None}, {"starts_at": ["required"]}),
    ({"capacity": -1}, {"capacity": ["negative"]}),
    ({"capacity": None}, {}),
    ({"min_age": 101}, {"min_age": ["age_range"]}),
    ({"min_age": 16, "max_age": 12}, {"max_age": ["ages_reversed"]}),
    ({"min_age": 12, "max_age": 12}, {}),
    ({"opens": T0, "closes": T0 - timedelta(hours=1)}, {"registration_closes_at": ["window_reversed"]}),
    ({"closes": T0 + timedelta(hours=4)}, {"registration_closes_at": ["closes_after_end"]}),
    ({"closes": T0 + timedelta(hours=1)}, {}),
])
def test_event_problems(overrides, expected):
    assert problems(**overrides) == expected


def test_an_overnight_party_is_fine():
    start = datetime(2026, 3, 7, 21, 0, tzinfo=UTC)
    assert problems(starts_at=start, ends_at=start + timedelta(hours=9)) == {}


@pytest.mark.parametrize(("capacity", "confirmed", "problem", "left"), [
    (None, 50, None, None), (10, 0, None, 10), (10, 10, None, 0), (9, 10, "below_confirmed", 0), (0, 0, None, 0),
])
def test_capacity_and_seats(capacity, confirmed, problem, left):
    assert rules.capacity_problem(capacity, confirmed) == problem
    assert rules.seats_left(capacity, confirmed) == left


@pytest.mark.parametrize(("min_age", "max_age", "age", "allowed"), [
    (None, None, None, True), (None, None, 5, True), (14, None, 13, False), (14, None, 14, True),
    (7, 12, 12, True), (7, 12, 13, False), (7, 12, 6, False), (None, 10, 10, True), (14, None, None, False),
])
def test_age_allows(min_age, max_age, age, allowed):
    assert rules.age_allows(min_age, max_age, age) is allowed


@given(min_age=st.one_of(st.none(), st.integers(0, 100)), max_age=st.one_of(st.none(), st.integers(0, 100)),
       age=st.integers(0, 100))
def test_age_allows_matches_the_interval(min_age, max_age, age):
    low = 0 if min_age is None else min_age
    high = 100 if max_age is None else max_age
    assert rules.age_allows(min_age, max_age, age) == (low <= age <= high)


def test_registration_window_defaults_to_publication_until_start():
    published = T0 - timedelta(days=10)
    opens, closes = rules.registration_window(opens_at=None, closes_at=None, published_at=published, starts_at=T0)
    assert (opens, closes) == (published, T0)
    explicit = T0 - timedelta(days=3), T0 - timedelta(hours=2)
    assert rules.registration_window(opens_at=explicit[0], closes_at=explicit[1], published_at=published,
                                     starts_at=T0) == explicit
    assert rules.registration_state(T0 - timedelta(days=11), opens, closes) == "not_yet"
    assert rules.registration_state(T0 - timedelta(days=1), opens, closes) == "open"
    assert rules.registration_state(T0, opens, closes) == "closed"
    assert rules.registration_state(T0, None, closes) == "not_yet"


def test_month_grid_covers_the_month_in_whole_weeks():
    grid = rules.month_grid(2026, 2)  # February 2026 starts on a Sunday
    assert grid[0][0] == date(2026, 1, 26) and grid[0][6] == date(2026, 2, 1)
    assert all(len(week) == 7 and week[0].weekday() == 0 for week in grid)
    assert grid[-1][-1] >= date(2026, 2, 28)


@given(year=st.integers(2000, 2100), month=st.integers(1, 12), delta=st.integers(-30, 30))
def test_shift_month_round_trips(year, month, delta):
    y, m = rules.shift_month(year, month, delta)
    assert 1 <= m <= 12
    assert rules.shift_month(y, m, -delta) == (year, month)
    grid = rules.month_grid(year, month)
    days = [d for week in grid for d in week]
    assert days == sorted(days) and len(set(days)) == len(days)
    assert {d for d in days if d.month == month and d.year == year} == {
        date(year, month, n) for n in range(1, 32) if _valid(year, month, n)}


def _valid(year, month, day):
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def test_week_start_is_monday():
    assert rules.week_start(date(2026, 3, 8)) == date(2026, 3, 2)
    assert rules.week_start(date(2026, 3, 2)) == date(2026, 3, 2)


# ---------------------------------------------------------------------------------------------
# Markdown

@pytest.mark.parametrize(("source", "must", "must_not"), [
    ("**Жирный** и *курсив*", ["<strong>Жирный</strong>", "<em>курсив</em>"], []),
    ("<script>alert(1)</script>Привет", ["Привет"], ["<script", "alert"]),
    ('<img src=x onerror="alert(1)">', [], ["<img", "onerror"]),
    ("[ссылка](javascript:alert(1))", ["ссылка"], ["javascript:"]),
    ("[правила](https://example.org/rules)", ['href="https://example.org/rules"', 'rel="noopener noreferrer nofollow"'],
     []),
    ("# Заголовок", ["<h2>Заголовок</h2>"], ["<h1"]),
    ("- раз\n- два", ["<ul>", "<li>раз</li>"], []),
    ("<div style='color:red' onclick='x()'>текст</div>", ["текст"], ["style=", "onclick", "<div"]),
])
def test_markdown_is_rendered_safely(source, must, must_not):
    html = render_markdown(source)
    for part in must:
        assert part in html
    for part in must_not:
        assert part not in html


def test_plain_text_excerpt():
    text = "## Мафия\n\nПриходите **все** (12+)! [Правила](https://x.org) & чай"
    assert plain_text(text) == "Мафия Приходите все (12+)! Правила & чай"
    assert plain_text(text, 20) == "Мафия Приходите все…"
    assert plain_text("") == ""


# ---------------------------------------------------------------------------------------------
# Cover pictures

def picture(fmt: str, size=(2400, 1200), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 90, 128) if mode == "RGBA" else (200, 30, 90)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_covers_are_resized_and_reencoded_as_jpeg(fmt):
    data = images.process_cover(picture(fmt, mode="RGBA" if fmt == "PNG" else "RGB"))
    with Image.open(io.BytesIO(data)) as result:
        assert result.format == "JPEG"
        assert result.size == (images.TARGET_WIDTH, 600)


def test_small_covers_are_not_enlarged():
    with Image.open(io.BytesIO(images.process_cover(picture("PNG", size=(640, 480))))) as result:
        assert result.size == (640, 480)


@pytest.mark.parametrize(("data", "code"), [
    (b"<?php echo 'hi'; ?>", "not_an_image"),
    (b"GIF89a" + b"\x00" * 20, "not_an_image"),
    (b"%PDF-1.4 not a picture", "not_an_image"),
    (b"x" * (images.MAX_BYTES + 1), "too_big"),
])
def test_bad_uploads_are_refused(data, code):
    with pytest.raises(images.CoverRejected) as refused:
        images.process_cover(data)
    assert refused.value.code == code


def test_read_limited_stops_at_the_limit():
    with pytest.raises(images.CoverRejected) as refused:
        images.read_limited(io.BytesIO(b"x" * 11), limit=10)
    assert refused.value.code == "too_big"
    with pytest.raises(images.CoverRejected):
        images.read_limited(io.BytesIO(b""))
    assert images.read_limited(io.BytesIO(b"abc"), limit=10) == b"abc"


def test_cover_names_are_random():
    names = {images.new_cover_name() for _ in range(50)}
    assert len(names) == 50 and all(n.endswith(".jpg") and "/" not in n for n in names)


def test_pixel_bombs_are_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (10000, 5000)).save(out, "PNG")  # tiny file, 50 megapixels
    with pytest.raises(images.CoverRejected) as refused:
        images.process_cover(out.getvalue())
    assert refused.value.code == "too_many_pixels"
