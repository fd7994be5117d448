"""Browser journey: a committee member opens the statistics, picks last quarter, sees the charts and
downloads an XLSX that holds counts only."""

import io
import re

from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from stats_data import build_world, personal_strings

from anticafe.accounts.models import User
from anticafe.accounts.services import hash_password, new_card_code, new_feed_token
from anticafe.extensions import db
from anticafe.stats import rules
from anticafe.timeutil import venue_today


def test_committee_reads_last_quarter_and_downloads_xlsx(page: Page, live_server, tmp_path):
    with live_server.app.app_context():
        quarter = rules.preset_period("last_quarter", venue_today())
        build_world(db.session, first_day=quarter.start)
        db.session.add(User(name="Ирина Комитетова", email="irina@committee.example.org", role="committee",
                            password_hash=hash_password("committee-secret"), card_code=new_card_code(),
                            feed_token=new_feed_token()))
        db.session.commit()

    page.goto(live_server.url + "/login")
    page.get_by_label("Эл. почта").fill("irina@committee.example.org")
    page.get_by_label("Пароль", exact=True).fill("committee-secret")
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="Статистика").first.click()
    expect(page.get_by_role("heading", name="Статистика", exact=True)).to_be_visible()

    page.get_by_role("link", name="Прошлый квартал").click()
    expect(page).to_have_url(re.compile(rf"from={quarter.start.isoformat()}&to={quarter.end.isoformat()}"))
    expect(page.get_by_role("link", name="Прошлый квартал")).to_have_attribute("aria-current", "true")

    # Every chart is drawn on its canvas (Chart.js marks the figure), next to its table.
    charts = page.locator("figure.chart")
    expect(charts.first).to_have_class(re.compile(r"\bdrawn\b"))
    assert charts.count() >= 5
    assert page.locator("figure.chart.drawn").count() == charts.count()
    width = page.locator("canvas[data-chart='chart-series']").evaluate("c => c.width")
    assert width > 100
    painted = page.locator("canvas[data-chart='chart-series']").evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; }")
    assert painted
    expect(page.locator("#table-categories")).to_contain_text("Турниры")
    page.screenshot(path=tmp_path / "stats-dashboard.png", full_page=True)

    # On a 1440 px desktop the wide tables use the width: their last column is not cut inside a scroll box.
    page.set_viewport_size({"width": 1440, "height": 900})
    cut = page.evaluate("""() => [...document.querySelectorAll('.table-wrap.scroll')]
        .filter(box => box.scrollWidth > box.clientWidth + 1).map(box => box.getAttribute('aria-label'))""")
    assert cut == [], cut
    main = page.locator("main").bounding_box()
    assert main and main["width"] > 1300, main

    with page.expect_download() as download_info:
        page.locator("#figures-title ~ .downloads").get_by_role("link", name="XLSX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row
                     if cell.value is not None)
    assert "Главные показатели" in text and "Проведено мероприятий" in text
    for personal in personal_strings():
        assert personal not in text, personal
