"""The door without Wi-Fi: the scanner opens, decides and queues offline, and uploads when the network is back."""

import re
from datetime import UTC, date, datetime, timedelta

from browser_steps import assert_fits, log_in
from playwright.sync_api import Browser, Page, expect
from test_door_scanner import PASSWORD, WAIT, event_now, person, register

from anticafe.db import utcnow
from anticafe.door.models import CheckIn, ScanLog
from anticafe.events.models import Event
from anticafe.extensions import db

#: How long one camera start may take to decode (then it is restarted).
CAMERA_WAIT = 20_000

CONTEXT = {"locale": "ru-RU", "timezone_id": "Asia/Yekaterinburg", "viewport": {"width": 360, "height": 740},
           "is_mobile": True, "has_touch": True}


def browser_now(page: Page) -> datetime:
    """The phone's own clock (the offline list's times are compared with it, not with the server's)."""
    return datetime.fromtimestamp(page.evaluate("Date.now()") / 1000, UTC)


def ready_offline(page: Page) -> None:
    """Wait until the service worker controls the page and the offline list is on the phone."""
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=WAIT)
    expect(page.locator("#door-offline-refreshed")).to_contain_text("Список обновлён", timeout=WAIT)


def type_code(page: Page, code: str) -> None:
    page.get_by_label("Код билета или карты").fill(code)
    page.get_by_role("button", name="Проверить").click()


def restart_camera(page: Page) -> None:
    """Stop and start the camera: it reads the fake camera's file again."""
    toggle, status = page.locator("#door-camera-toggle"), page.locator("#door-camera-status")
    expect(status).to_have_text("Наведите камеру на QR-код билета.", timeout=WAIT)  # started, so it can stop
    toggle.click()
    expect(toggle).to_have_text("Включить камеру")
    toggle.click()
    expect(status).to_have_text("Наведите камеру на QR-код билета.", timeout=WAIT)


def scan_with_camera(page: Page, title: str) -> None:
    """Restart the camera on the code now shown until the answer comes (on a loaded machine a restarted
    fake camera now and then delivers no frame to the decoder)."""
    for attempt in range(3):
        restart_camera(page)
        try:
            expect(page.locator("#door-result-title")).to_have_text(title, timeout=CAMERA_WAIT)
            return
        except AssertionError:
            if attempt == 2:
                raise


def test_scans_offline_keep_the_queue_across_a_reload_and_upload_later(page: Page, live_server, show_qr):
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    with live_server.app.app_context():
        person("Денис Бариста", role="staff", email="denis@example.org", birth_date=date(2001, 9, 3))
        event = event_now("Хеллоуин-дискотека", capacity=50)
        valid = register(event, person("Алина Морозова", birth_date=date(2010, 3, 1)))
        cancelled = register(event, person("Ксения Орлова"))
        db.session.commit()
        cancelled.status = "cancelled"
        db.session.commit()
        event_id, valid_code, cancelled_code = event.id, valid.ticket_code, cancelled.ticket_code
    show_qr("ещё ничего")
    log_in(page, live_server.url, "denis@example.org", PASSWORD)
    page.goto(live_server.url + "/door")
    ready_offline(page)
    expect(page.locator("#door-offline-waiting")).to_have_text("Ждут отправки: 0")

    page.context.set_offline(True)
    assert page.evaluate("fetch('/healthz').then(() => 'online', () => 'offline')") == "offline"
    # ... the service worker's own requests too (a file it never kept): what it serves now comes from its cache.
    assert page.evaluate("fetch('/static/never-kept.css').then(r => r.status, () => 'offline')") == "offline"

    # A valid ticket in front of the camera: admitted on the phone, marked offline.
    show_qr(f"{live_server.url}/t/{valid_code}")
    scan_with_camera(page, "Вход отмечен")
    expect(page.locator("#door-result-offline")).to_be_visible()
    expect(page.locator("#door-result-offline")).to_have_text("офлайн")
    expect(page.locator("#door-result-name")).to_have_text("Алина М., 14–17")
    expect(page.locator("#door-offline-waiting")).to_have_text("Ждут отправки: 1")

    # The same ticket again (typed): this phone remembers its own scan.
    type_code(page, valid_code.lower())
    expect(page.locator("#door-result-title")).to_have_text("Вход уже отмечен", timeout=WAIT)
    expect(page.locator("#door-result-offline")).to_be_visible()
    expect(page.locator("#door-offline-waiting")).to_have_text("Ждут отправки: 2")

    # A cancelled registration: refused.
    type_code(page, cancelled_code)
    expect(page.locator("#door-result-title")).to_have_text("Запись отменена", timeout=WAIT)
    expect(page.locator("#door-result")).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#door-offline-waiting")).to_have_text("Ждут отправки: 3")

    # Closed and opened again without network: the page opens, the queue is still there.
    show_qr("ещё ничего")
    page.reload()
    expect(page.locator("h1")).to_have_text("Вход")
    expect(page.locator("#door-offline-waiting")).to_have_text("Ждут отправки: 3", timeout=WAIT)
    expect(page.locator("#door-offline-refreshed")).to_contain_text("Список обновлён")
    with live_server.app.app_context():
        assert db.session.query(CheckIn).count() == 0

    # The network is back: the queue drains in order, the check-in keeps the scan's moment. (A page kept
    # from an earlier session would carry an old form token: the page takes a fresh one before uploading.)
    page.evaluate("document.querySelector('meta[name=csrf-token]').content = 'stale'")
    page.context.set_offline(False)
    expect(page.locator("#door-offline-waiting")).to_have_text("Ждут отправки: 0", timeout=WAIT)
    with live_server.app.app_context():
        checkins = db.session.query(CheckIn).all()
        assert len(checkins) == 1 and checkins[0].offline
        entries = db.session.query(ScanLog).filter(ScanLog.offline_result.is_not(None)).order_by(ScanLog.id).all()
        assert [(e.offline_result, e.result) for e in entries] == [
            ("checked_in", "checked_in"), ("already_checked_in", "already_checked_in"),
            ("registration_cancelled", "registration_cancelled")]
        scanned = [e.scanned_at for e in entries]
        assert scanned == sorted(scanned)
        assert checkins[0].checked_in_at == scanned[0] < entries[0].at
        # The phone stamped the scan with its own clock: compare with the browser's clock, not the machine's.
        phone_now = browser_now(page)
        assert phone_now - timedelta(minutes=5) < scanned[0] < phone_now
        assert checkins[0].event_id == event_id
    assert not errors


def test_two_phones_admit_one_ticket_offline_and_the_server_keeps_one(browser: Browser, live_server, show_qr):
    with live_server.app.app_context():
        person("Денис Бариста", role="staff", email="denis@example.org", birth_date=date(2001, 9, 3))
        person("Ольга Старшая", role="staff", email="olga@example.org", birth_date=date(1990, 1, 1))
        event = event_now("Хеллоуин-дискотека")
        shared = register(event, person("Алина Морозова"))
        db.session.commit()
        event_id, code = event.id, shared.ticket_code
    show_qr("ещё ничего")
    phones = []
    for email in ("denis@example.org", "olga@example.org"):
        context = browser.new_context(**CONTEXT, bypass_csp=True)
        page = context.new_page()
        log_in(page, live_server.url, email, PASSWORD)
        page.goto(live_server.url + "/door")
        ready_offline(page)
        context.set_offline(True)
        phones.append(page)
    for page in phones:
        type_code(page, code)
        expect(page.locator("#door-result-title")).to_have_text("Вход отмечен", timeout=WAIT)
        expect(page.locator("#door-result-offline")).to_be_visible()
    for page in phones:
        page.context.set_offline(False)
        expect(page.locator("#door-offline-waiting")).to_have_text("Ждут отправки: 0", timeout=WAIT)
    expect(phones[1].locator("#door-offline-warning")).to_contain_text("Конфликтов после отправки: 1")

    with live_server.app.app_context():
        assert db.session.query(CheckIn).count() == 1
        assert db.session.query(CheckIn).one().staff.name == "Денис Бариста"
    page = phones[0]
    page.goto(f"{live_server.url}/door/events/{event_id}")
    conflicts = page.locator(".door-conflicts tbody tr")
    expect(conflicts).to_have_count(1)
    expect(conflicts).to_contain_text("Ольга Старшая")
    expect(conflicts).to_contain_text("Вход уже отмечен")
    fits_and_passes_axe(page)
    for page in phones:
        page.context.close()


SET_LISTS = """async ([field, value]) => {
  const db = await new Promise((ok, fail) => {
    const open = indexedDB.open("anticafe-door", 1); open.onsuccess = () => ok(open.result); open.onerror = fail; });
  const records = await new Promise(ok => {
    const all = db.transaction("lists").objectStore("lists").getAll(); all.onsuccess = () => ok(all.result); });
  await new Promise((ok, fail) => {
    const tx = db.transaction("lists", "readwrite");
    records.forEach(record => { record[field] = value; tx.objectStore("lists").put(record); });
    tx.oncomplete = ok; tx.onerror = fail; });
  db.close();
  return records.length;
}"""

AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ': ' + v.nodes.map(n => n.target).join())"""


def fits_and_passes_axe(page: Page) -> None:
    """No sideways scroll on a 360 px phone and no serious accessibility violation."""
    assert_fits(page)
    # The answer's flash fades colours in for half a second: stop the camera (no new answer comes) and
    # judge the contrast once the last flash is over.
    if page.locator("#door-camera-status").count():
        expect(page.locator("#door-camera-status")).to_have_text("Наведите камеру на QR-код билета.", timeout=WAIT)
        page.locator("#door-camera-toggle").click()
        expect(page.locator("#door-camera-toggle")).to_have_text("Включить камеру")
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')", timeout=WAIT)
    page.add_script_tag(path="node_modules/axe-core/axe.min.js")
    assert page.evaluate(AXE) == []


def test_old_list_warning_expired_session_and_deleted_list(browser: Browser, live_server, show_qr):
    with live_server.app.app_context():
        person("Денис Бариста", role="staff", email="denis@example.org", birth_date=date(2001, 9, 3))
        start = utcnow() - timedelta(minutes=30)
        event = Event(title="Квиз «Оренбуржье»", category="quiz", starts_at=start, ends_at=start + timedelta(hours=2),
                      published=True, status="scheduled", entry="free")
        db.session.add(event)
        register(event, person("Тимур Волков"))
        db.session.commit()
        starts_at = event.starts_at
    show_qr("ещё ничего")
    context = browser.new_context(**CONTEXT, bypass_csp=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    log_in(page, live_server.url, "denis@example.org", PASSWORD)
    page.goto(live_server.url + "/door")
    ready_offline(page)
    warning = page.locator("#door-offline-warning")
    expect(warning).to_be_hidden()

    # The list was last refreshed before the event started: the page says so.
    context.set_offline(True)
    assert page.evaluate(SET_LISTS, ["fetchedAt", (starts_at - timedelta(minutes=1)).isoformat()]) == 1
    page.reload()
    expect(warning).to_be_visible(timeout=WAIT)
    expect(warning).to_contain_text("Офлайн-список старше начала мероприятия")
    fits_and_passes_axe(page)

    # The staff member's session is gone: nothing syncs, and the page asks to log in again.
    context.clear_cookies()
    context.set_offline(False)
    expect(warning).to_contain_text("Войдите снова", timeout=WAIT)
    expect(warning).to_contain_text("Офлайн-список старше начала мероприятия")

    # After the event (and a few hours), the phone deletes the list.
    context.set_offline(True)
    page.evaluate(SET_LISTS, ["keepUntil", (browser_now(page) - timedelta(minutes=1)).isoformat()])
    page.reload()
    expect(page.locator("#door-offline-refreshed")).to_have_text("Список ещё не загружен", timeout=WAIT)
    assert page.evaluate(SET_LISTS, ["keepUntil", "x"]) == 0
    assert not errors
    context.close()
