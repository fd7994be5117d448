"""Statistics on a hand-built month with known answers (tests/stats_data.py), on SQLite and PostgreSQL."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from stats_data import JANUARY, JANUARY_SUMMARY, build_world, personal_strings

from anticafe.extensions import db
from anticafe.stats import queries, reports, rules, services, visitors

JANUARY_PERIOD = rules.Period(date(2025, 1, 1), date(2025, 1, 31))


@pytest.fixture
def world(app):
    return build_world(db.session)


@pytest.fixture
def committee(make_user, auth):
    return auth.login(make_user("committee", name="Член Комитета", email="committee@example.org"))


def _query(**extra):
    return {"from": JANUARY[0], "to": JANUARY[1], **extra}


# ------------------------------------------------------------------------------------------------
# The figures


def test_january_summary_has_the_known_answers(world):
    current, previous = services.summaries(JANUARY_PERIOD)
    assert current.events_held == 3  # cancelled E4, unpublished E5 and February's E6 are not counted
    assert current.registrations == 7  # waitlisted, cancelled and walk-in registrations are not
    assert current.checked_in == 6  # the walk-in counts, the undone check-in does not
    assert current.walk_ins == 1
    assert current.no_shows == 2  # Vera at E1, and at E2 after her check-in was undone
    assert current.fill_rate == 13.3  # (3 + 1) / (10 + 20): only events with a capacity
    assert current.no_show_rate == 28.6  # 2 / 7
    assert current.unique_visitors == 6  # Anna came five times and counts once; the guest is no person
    assert (current.new_visitors, current.returning_visitors) == (5, 1)  # Vera came in December
    assert current.visits == 6  # the open visit counts, February's does not
    assert current.visit_seconds == 375 * 60  # 120 + 90 + 60 + 45 (start to end, not billed yet) + 60
    assert current.subsidised_hours == 1.5
    assert (previous.events_held, previous.checked_in, previous.unique_visitors, previous.visits) == (1, 1, 1, 0)


def test_age_on_the_day_of_each_event_and_visit(world):
    scope = queries.scope_for(JANUARY_PERIOD)
    presence = visitors.presence_figures(scope, ages=True)
    counted = {key: (p.checkins, p.visits.visits, p.people) for key, p in presence.ages.items()}
    # Anna is 17 at E1 (Jan 10) and on her Jan 12 visit, 18 from Jan 20: at E2, E3 and her Jan 22 visit.
    assert counted == {"under_14": (1, 0, 1), "14_17": (3, 1, 2), "18_24": (2, 1, 1), "25_35": (0, 1, 1),
                       "over_35": (0, 1, 1), "unknown": (0, 2, 1)}
    assert visitors.presence_figures(scope, ages=True).youth == 3  # Anna, Boris, Vera, each once
    by_age = queries.attendance_by_age(scope)
    assert (by_age["14_17"].registered, by_age["14_17"].checked_in, by_age["14_17"].attendees) == (3, 3, 2)
    assert (by_age["18_24"].registered, by_age["18_24"].checked_in) == (2, 2)
    assert (by_age["25_35"].registered, by_age["25_35"].no_shows) == (2, 2)
    assert (by_age["under_14"].registered, by_age["under_14"].checked_in) == (0, 1)
    assert by_age["unknown"].waitlisted == 1


def test_month_boundaries_are_in_venue_time(world):
    january = queries.scope_for(JANUARY_PERIOD)
    by_month = queries.event_figures(january, ["month"]).by["month"]
    assert list(by_month) == ["2025-01"] and by_month["2025-01"].events == 3  # E3 at 23:30 on the 31st is January
    february = queries.scope_for(rules.Period(date(2025, 2, 1), date(2025, 2, 28)))
    by_month = queries.event_figures(february, ["month", "event"]).by
    # E6 at 00:30 on Feb 1 is 19:30 UTC on Jan 31, and belongs to February.
    assert by_month["month"]["2025-02"].events == 1
    assert list(by_month["event"]) == [world.events["e6"].id]


def test_breakdowns(world):
    scope = queries.scope_for(JANUARY_PERIOD)
    figures = queries.event_figures(scope, ["category", "week", "weekday_hour"], top=2)
    category = figures.by["category"]
    assert {k: (v.events, v.registered, v.checked_in) for k, v in category.items()} == {
        "tournament": (1, 3, 3), "talk_show": (1, 3, 2), "party": (1, 1, 1)}
    assert category["tournament"].attendees == 3 and category["tournament"].fill_rate == 30.0
    assert {k: v.checked_in for k, v in figures.by["week"].items()} == {"2025-01-06": 3, "2025-01-20": 2,
                                                                      "2025-01-27": 1}
    assert set(figures.by["weekday_hour"]) == {519, 618, 523}  # Friday 19:00, Saturday 18:00, Friday 23:00
    assert [line.title for line in figures.events] == ["Турнир по мафии", "Ток-шоу «Профессии будущего»"]

    presence = visitors.presence_figures(scope, frequency=True, heat=True)
    assert presence.frequency == {"1": 4, "2_3": 1, "4_9": 1}  # Anna came on 5 different days, Boris on 2
    heat = presence.presence
    assert heat[(5, 19)] == 3  # Friday E1: Anna, Boris, Tim
    assert heat[(5, 20)] == 4  # ... and Gleb's open visit from 20:00
    assert heat[(5, 23)] == 1  # Anna at E3 until midnight
    assert (heat[(7, 15)], heat[(7, 16)], heat[(7, 17)]) == (1, 1, 0)  # Anna's Sunday visit, 15:00 to 17:00
    assert sum(heat.values()) == 24  # 7 visit-hours, 10 at E1, 5 at E2, 1 at E3, 1 for the open visit


def test_an_empty_period_gives_zeros(app):
    current, _ = services.summaries(rules.Period(date(2024, 6, 1), date(2024, 6, 30)))
    assert current.events_held == current.unique_visitors == current.visits == 0
    assert current.fill_rate is None and current.no_show_rate is None and current.visit_hours == 0
    board = reports.build_dashboard(rules.Period(date(2024, 6, 1), date(2024, 6, 30)))
    assert all(row["checked_in"] == 0 for row in board.tables["series"].rows)
    assert board.tables["top_events"].rows == []


# ------------------------------------------------------------------------------------------------
# Pages


def test_dashboard_for_the_committee(client, world, committee):
    response = client.get("/stats/", query_string=_query())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Статистика" in html and "Турнир по мафии" in html
    assert 'id="chart-series"' in html and 'data-chart="chart-categories"' in html
    assert "28,6" in html  # the no-show rate, written the Russian way
    for personal in personal_strings():
        assert personal not in html, personal


def test_nothing_to_compare_is_said_once(client, world, committee):
    page = client.get("/stats/", query_string={"from": "2025-01-01", "to": "2025-01-31"},
                      headers={"Accept-Language": "ru"}).get_data(as_text=True)
    if "data-nothing-to-compare" in page:
        assert page.count("Сравнить не с чем") == 1
        assert "сравнить не с чем" not in page and "было:" not in page
    empty = client.get("/stats/", query_string={"from": "2020-01-01", "to": "2020-01-31"},
                       headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert empty.count("Сравнить не с чем") == 1 and "сравнить не с чем" not in empty


def test_dashboard_in_english_and_by_month(client, world, committee):
    response = client.get("/stats/", query_string=_query(series="month"), headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert "Month by month" in html and "January 2025" in html and "No-show rate" in html


def test_a_wrong_period_shows_the_errors(client, world, committee):
    response = client.get("/stats/", query_string={"from": "2025-02-01", "to": "2025-01-01"})
    assert response.status_code == 422
    assert "Конец периода не может быть раньше начала." in response.get_data(as_text=True)


def test_events_list_and_event_page(client, world, committee):
    html = client.get("/stats/events", query_string=_query()).get_data(as_text=True)
    assert "Турнир по мафии" in html and "Вечеринка выпускников" in html and "Квиз" not in html
    e1 = world.events["e1"]
    response = client.get(f"/stats/events/{e1.id}")
    assert response.status_code == 200
    report = reports.build_event_report(e1)
    figures = report.figures
    assert (figures.registered, figures.waitlisted, figures.checked_in, figures.no_shows, figures.walk_ins) == (
        3, 1, 3, 1, 1)
    ages = {row["age"]: (row["registered"], row["checked_in"]) for row in report.tables["event_ages"].rows}
    assert ages[str(reports.AGE_LABELS["14_17"])] == (2, 2)
    assert ages[str(reports.AGE_LABELS["25_35"])] == (1, 0)
    assert ages[str(reports.AGE_LABELS["under_14"])] == (0, 1)
    for personal in personal_strings():
        assert personal not in response.get_data(as_text=True)
    cancelled = client.get(f"/stats/events/{world.events['e4'].id}").get_data(as_text=True)
    assert "отменено" in cancelled
    assert client.get("/stats/events/999999").status_code == 404


def test_report_page_is_printable(client, world, committee):
    html = client.get("/stats/report", query_string=_query()).get_data(as_text=True)
    assert "Отчёт молодёжного комитета" in html and "data-print" in html
    assert "Охват молодёжи (14–35 лет)" in html
    assert "stats.css" in html


def test_nav_link_only_for_committee_and_admin(client, make_user, auth):
    auth.login(make_user("staff"))
    assert "/stats/" not in client.get("/").get_data(as_text=True)
    auth.login(make_user("admin"))
    assert 'href="/stats/"' in client.get("/").get_data(as_text=True)


# ------------------------------------------------------------------------------------------------
# Exports


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_has_the_period_and_the_numbers(client, world, committee):
    response = client.get("/stats/export/categories.csv", query_string=_query(),
                          headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"anticafe-categories-2025-01-01")
    rows = _csv_rows(response.data)
    assert ["Period", "1 January 2025 – 31 January 2025"] in rows
    assert ["Table", "By event category"] in rows
    header = rows.index(["Category", "Events", "Registered", "Checked in", "Walk-ins", "No-shows", "Fill rate",
                         "No-show rate", "Different people"])
    assert rows[header + 1] == ["Tournaments", "1", "3", "3", "1", "1", "30.0%", "33.3%", "3"]


def test_csv_export_in_russian_opens_in_russian_excel(client, world, committee):
    """Semicolons, decimal commas and a byte-order mark: Russian Excel opens it in columns, numbers as numbers."""
    response = client.get("/stats/export/categories.csv", query_string=_query(), headers={"Accept-Language": "ru"})
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Категория")
    assert len(rows[header]) == 9
    assert rows[header + 1][-3:] == ["30,0%", "33,3%", "3"]
    assert all("." not in cell for row in rows[header + 1:] for cell in row[1:])  # no decimal points left


def test_xlsx_export_has_typed_cells(client, world, committee):
    response = client.get("/stats/export/summary.xlsx", query_string=_query(), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["Period", "1 January 2025 – 31 January 2025"] in [v[:2] for v in values]
    assert ["Compared with", "1 December 2024 – 31 December 2024"] in [v[:2] for v in values]
    by_label = {row[0]: row[1:] for row in values if row and row[0]}
    assert by_label["Events held"][:3] == [3, 1, 2.0]  # this period, the previous one, +200 %
    assert by_label["No-show rate"][0] == pytest.approx(0.286)
    assert by_label["Visitor-hours"][0] == 6.3


def test_no_personal_data_in_any_export(client, world, committee):
    personal = personal_strings()
    for name in [*reports.DASHBOARD_TABLES, "events"]:
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/stats/export/{name}.{fmt}", query_string=_query())
            assert response.status_code == 200, (name, fmt)
            text = response.data.decode("utf-8-sig") if fmt == "csv" else _xlsx_text(response.data)
            for value in personal:
                assert value not in text, (name, fmt, value)
    e1 = world.events["e1"].id
    for name in reports.EVENT_TABLES:
        text = _xlsx_text(client.get(f"/stats/events/{e1}/export/{name}.xlsx").data)
        assert "Турнир по мафии" in text
        assert not any(value in text for value in personal)
    report = client.get("/stats/report.xlsx", query_string=_query())
    text = _xlsx_text(report.data)
    assert not any(value in text for value in personal)
    assert len(load_workbook(io.BytesIO(report.data)).sheetnames) == len(reports.DASHBOARD_TABLES)


def _xlsx_text(data: bytes) -> str:
    workbook = load_workbook(io.BytesIO(data))
    return "\n".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row
                     if cell.value is not None)


def test_report_pdf(client, world, committee):
    response = client.get("/stats/report.pdf", query_string=_query())
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and len(response.data) > 5000
    empty = client.get("/stats/report.pdf", query_string={"from": "2024-06-01", "to": "2024-06-30"})
    assert empty.status_code == 200 and empty.data.startswith(b"%PDF")


def test_an_export_for_a_wrong_period_is_refused(client, world, committee):
    response = client.get("/stats/export/series.csv", query_string={"from": "2025-01-31", "to": "2025-01-01"})
    assert response.status_code == 422


def test_a_title_cannot_become_a_spreadsheet_formula(client, make_event, committee):
    from stats_data import at

    make_event(title="=HYPERLINK(\"http://evil\")", starts_at=at(date(2025, 3, 5), 19))
    text = client.get("/stats/export/events.csv", query_string={"from": "2025-03-01", "to": "2025-03-31"}).data
    assert b"'=HYPERLINK" in text
    workbook = load_workbook(io.BytesIO(client.get("/stats/export/events.xlsx", query_string={
        "from": "2025-03-01", "to": "2025-03-31"}).data))
    cells = [c for row in workbook.active.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


# ------------------------------------------------------------------------------------------------
# API


def test_api_summary(client, world, make_user, token_for):
    headers = token_for(make_user("committee"))
    response = client.get("/api/v1/stats/summary", query_string=_query(), headers=headers)
    assert response.status_code == 200
    assert response.json == JANUARY_SUMMARY
    empty = client.get("/api/v1/stats/summary", query_string={"from": "2024-06-01", "to": "2024-06-30"},
                       headers=headers)
    assert set(empty.json.values()) == {0}


@pytest.mark.parametrize(("group_by", "expected"), [
    ("month", [{"key": "2025-01", "events": 3, "registered": 7, "checked_in": 6, "no_shows": 2,
                "unique_visitors": 3}]),
    ("weekday_hour", [{"key": "5-19", "events": 1, "registered": 3, "checked_in": 3, "no_shows": 1,
                       "unique_visitors": 3},
                      {"key": "5-23", "events": 1, "registered": 1, "checked_in": 1, "no_shows": 0,
                       "unique_visitors": 1},
                      {"key": "6-18", "events": 1, "registered": 3, "checked_in": 2, "no_shows": 1,
                       "unique_visitors": 2}]),
])
def test_api_attendance(client, world, make_user, token_for, group_by, expected):
    response = client.get("/api/v1/stats/attendance", query_string=_query(group_by=group_by),
                          headers=token_for(make_user("admin")))
    assert response.status_code == 200
    assert response.json == {"rows": expected}


def test_api_attendance_lists_every_bucket(client, world, make_user, token_for):
    headers = token_for(make_user("committee"))

    def rows(group_by):
        return client.get("/api/v1/stats/attendance", query_string=_query(group_by=group_by), headers=headers).json[
            "rows"]

    weeks = rows("week")
    assert [r["key"] for r in weeks] == ["2024-12-30", "2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27"]
    assert sum(r["checked_in"] for r in weeks) == 6
    categories = {r["key"]: r for r in rows("category")}
    assert categories["contest"]["events"] == 0 and categories["tournament"]["checked_in"] == 3
    ages = {r["key"]: r for r in rows("age_group")}
    assert list(ages) == ["under_14", "14_17", "18_24", "25_35", "over_35", "unknown"]
    assert (ages["14_17"]["checked_in"], ages["18_24"]["checked_in"], ages["25_35"]["no_shows"]) == (3, 2, 2)
    events = rows("event")
    assert [r["key"] for r in events] == [world.events[k].id for k in ("e1", "e2", "e3")]


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2025-13-01", "to": "2025-12-31"}, "from"),
    ({"from": "2025-01-31", "to": "2025-01-01"}, "to"),
    ({"from": "2025-01-01"}, "to"),
    ({"from": "2025-01-01", "to": "2025-01-31", "group_by": "person"}, "group_by"),
])
def test_api_validation(client, make_user, token_for, query, field):
    headers = token_for(make_user("committee"))
    endpoint = "/api/v1/stats/attendance" if "group_by" in query else "/api/v1/stats/summary"
    response = client.get(endpoint, query_string=query, headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["fields"]


def test_api_is_for_the_committee(client, make_user, token_for):
    response = client.get("/api/v1/stats/summary", headers=token_for(make_user("staff")))
    assert response.status_code == 403
    spec = client.get("/api/v1/openapi.json").json
    assert spec["paths"]["/api/v1/stats/summary"]["get"]["x-roles"] == ["admin", "committee"]
    names = [p["name"] for p in spec["paths"]["/api/v1/stats/attendance"]["get"]["parameters"]]
    assert names == ["from", "to", "group_by"]


def test_report_pdf_headings_wrap_between_words(client, world, committee, monkeypatch):
    from anticafe.stats import pdf

    calls = []
    real = pdf.fit_columns

    def spy(wanted, needed, total):
        widths = real(wanted, needed, total)
        calls.append((widths, needed, total))
        return widths

    monkeypatch.setattr(pdf, "fit_columns", spy)
    assert client.get("/stats/report.pdf", query_string=_query()).status_code == 200
    assert len(calls) >= 6
    for widths, needed, total in calls:  # every heading's longest word fits its column; the page width is kept
        assert all(w >= n - 1e-6 for w, n in zip(widths, needed, strict=True)), (widths, needed)
        assert abs(sum(widths) - total) < 1e-6


def test_fit_columns_takes_room_from_columns_with_spare():
    from anticafe.stats.pdf import fit_columns

    assert fit_columns([34, 20, 20], [10, 30, 10], 74) == pytest.approx([34 - 240 / 34, 30, 20 - 100 / 34])
    assert fit_columns([60, 10], [20, 10], 70) == [60, 10]
