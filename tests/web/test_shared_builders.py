"""The shared QR and iCalendar helpers, and the friendly error pages."""

from datetime import UTC, datetime, timedelta

from PIL import Image

from anticafe.ical import CalendarItem, build_calendar, calendar_response
from anticafe.qr import png_bytes, qr_response


def test_qr_png_decodes_as_an_image_and_answers_304(app):
    import io

    image = Image.open(io.BytesIO(png_bytes("https://cafe.example/t/ABC")))
    assert image.format == "PNG" and image.width > 100
    with app.test_request_context("/"):
        first = qr_response("https://cafe.example/t/ABC", "svg")
        assert first.status_code == 200 and first.mimetype == "image/svg+xml"
        etag = first.get_etag()[0]
    with app.test_request_context("/", headers={"If-None-Match": f'"{etag}"'}):
        assert qr_response("https://cafe.example/t/ABC", "svg").status_code == 304
    with app.test_request_context("/", headers={"If-None-Match": f'"{etag}"'}):
        assert qr_response("https://cafe.example/t/OTHER", "svg").status_code == 200


def test_calendar_has_venue_timezone_and_answers_304(app):
    start = datetime(2026, 12, 31, 18, 30, tzinfo=UTC)  # 23:30 in Yekaterinburg
    item = CalendarItem("event-1@test", "Новогодняя вечеринка", start, start + timedelta(hours=2), start, 3,
                        "Танцы; конкурсы, подарки", "ул. Советская, 1", "https://cafe.example/events/1", ["Вечеринка"])
    text = build_calendar([item], name="Anticafe").decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Yekaterinburg" in text
    assert "DTSTART;TZID=Asia/Yekaterinburg:20261231T233000" in text
    assert "DTEND;TZID=Asia/Yekaterinburg:20270101T013000" in text
    assert "Танцы\\; конкурсы\\, подарки" in text
    with app.test_request_context("/"):
        response = calendar_response([item], name="Anticafe", filename="anticafe.ics")
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        etag = response.get_etag()[0]
    with app.test_request_context("/", headers={"If-None-Match": f'"{etag}"'}):
        assert calendar_response([item], name="Anticafe", filename="anticafe.ics").status_code == 304


def test_friendly_error_pages(client, auth, make_user):
    missing = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert missing.status_code == 404 and "Страница не найдена" in missing.get_data(as_text=True)
    auth.login(make_user("visitor"))
    forbidden = client.get("/admin/users", headers={"Accept-Language": "en"})
    assert forbidden.status_code == 403 and "This page is not for your role" in forbidden.get_data(as_text=True)
