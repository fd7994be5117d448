"""seed-scale fills every table with consistent data; the benchmark's pieces import and answer.

Small factors only and no timings: speed is measured by `make bench`, never asserted here.
"""

import asyncio
import json
import threading
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from anticafe.accounts.models import User
from anticafe.extensions import db
from bench import ceilings, client, report, run
from bench.scale import EMAIL_DOMAIN, random_code, row_counts, seed_scale
from bench.scenarios import SCENARIOS

SMALL = ["--users", "120", "--events", "40", "--registrations", "500", "--visits", "3000"]

#: Tables seed-scale leaves empty: no benchmark reads them (repeating bookings are stored as bookings,
#: group bills of booked parties and closures are a handful of rows in a real year).
#: Login sessions, reset links and failure counters fill as people log in, forget and mistype.
LEFT_EMPTY: set[str] = {"booking_series", "booking_visits", "closures", "login_sessions", "password_resets",
                        "throttle_hits",
                        # the privacy records: no benchmark reads consents, erasures, links or the access log
                        "access_log", "consents", "erasures", "guardian_links",
                        # the statistics' facts are complete: nothing is waiting to be counted again
                        "stats_stale"}


@pytest.fixture
def app_config():
    """The year seed-scale builds ends on a fixed day (the app's clock), whatever today's date."""
    return {"CLOCK_NOW": "2026-03-14T15:00"}


@pytest.fixture
def seeded(app, runner):
    result = runner.invoke(seed_scale, args=SMALL)
    assert result.exit_code == 0, result.output
    return result


def rows(table: str) -> list:
    return db.session.execute(select(db.metadata.tables[table])).mappings().all()


def test_seed_scale_fills_every_table(seeded):
    counts = row_counts()
    empty = {name for name, n in counts.items() if n == 0}
    assert empty == LEFT_EMPTY, f"seed-scale leaves these tables empty: {sorted(empty - LEFT_EMPTY)}"
    assert counts["users"] >= 120 and counts["events"] == 40 and counts["visits"] == 3000
    assert 450 <= counts["registrations"] <= 500
    assert "Seeded in" in seeded.output
    assert counts["stats_presence"] == counts["visits"] + db.session.scalar(
        select(db.func.count()).select_from(db.metadata.tables["checkins"])
        .where(db.metadata.tables["checkins"].c.undone_at.is_(None)))


def test_seed_scale_bookings_never_overlap_each_other_or_events(seeded, app):
    buffer = timedelta(minutes=app.config["BOOKING_BUFFER_MINUTES"])
    bookings: dict[int, list] = defaultdict(list)
    for booking in rows("bookings"):
        assert booking["ends_at"] > booking["starts_at"] and booking["party_size"] >= 1
        if booking["status"] in ("confirmed", "checked_in", "released"):  # the zone was held
            bookings[booking["zone_id"]].append((booking["starts_at"], booking["ends_at"]))
    assert bookings, "some bookings hold their zone"
    events: dict[int, list] = defaultdict(list)
    for event in rows("events"):
        if event["zone_id"] is not None and event["status"] == "scheduled":
            events[event["zone_id"]].append((event["starts_at"], event["ends_at"]))
    for zone, spans in bookings.items():
        for n, (start, end) in enumerate(spans):
            for other_start, other_end in spans[n + 1:] + events[zone]:
                assert not (start < other_end + buffer and other_start < end + buffer), (zone, start, other_start)


def test_seed_scale_registrations_respect_capacity_and_waitlist(seeded):
    events = {e["id"]: e for e in rows("events")}
    by_event = defaultdict(list)
    for reg in rows("registrations"):
        by_event[reg["event_id"]].append(reg)
    assert by_event, "no registrations"
    for event_id, regs in by_event.items():
        capacity = events[event_id]["capacity"]
        confirmed = [r for r in regs if r["status"] == "confirmed"]
        waiting = sorted(r["waitlist_position"] for r in regs if r["status"] == "waitlisted")
        walk_ins = [r for r in confirmed if r["source"] == "walk_in"]
        if capacity is not None:
            assert len(confirmed) - len(walk_ins) <= capacity
            if waiting:
                assert len(confirmed) - len(walk_ins) == capacity  # nobody waits while a seat is free
        assert waiting == list(range(1, len(waiting) + 1))
        active_people = [r["user_id"] for r in regs if r["status"] != "cancelled"]
        assert len(active_people) == len(set(active_people))
        for reg in regs:
            assert (reg["ticket_code"] is not None) == (reg["status"] == "confirmed" or reg["confirmed_at"] is not None)
            assert reg["created_at"] <= events[event_id]["starts_at"] + timedelta(hours=1)


def test_seed_scale_checkins_belong_to_confirmed_registrations_of_past_events(seeded, app):
    regs = {r["id"]: r for r in rows("registrations")}
    events = {e["id"]: e for e in rows("events")}
    checkins = rows("checkins")
    assert checkins
    confirmed_past = 0
    for checkin in checkins:
        reg = regs[checkin["registration_id"]]
        assert reg["status"] == "confirmed"
        assert (checkin["event_id"], checkin["user_id"]) == (reg["event_id"], reg["user_id"])
        assert checkin["walk_in"] == (reg["source"] == "walk_in")
        event = events[reg["event_id"]]
        assert event["status"] == "scheduled"
        assert event["starts_at"] - timedelta(minutes=60) <= checkin["checked_in_at"] <= event["ends_at"]
    for reg in regs.values():
        event = events[reg["event_id"]]
        if reg["status"] == "confirmed" and event["status"] == "scheduled" and reg["source"] != "walk_in":
            confirmed_past += event["ends_at"] <= max(c["checked_in_at"] for c in checkins)
    no_shows = 1 - sum(not c["walk_in"] for c in checkins) / confirmed_past
    assert 0.05 < no_shows < 0.4
    assert len({c["registration_id"] for c in checkins if c["undone_at"] is None}) == \
        sum(c["undone_at"] is None for c in checkins)


def test_seed_scale_visits_are_priced_segments_and_payments(seeded):
    visits = {v["id"]: v for v in rows("visits")}
    segments = defaultdict(list)
    for segment in rows("visit_segments"):
        segments[segment["visit_id"]].append(segment)
    assert set(segments) == set(visits)
    for visit in visits.values():
        assert visit["status"] in ("paid", "stopped")
        assert visit["user_id"] is not None or visit["guest_name"]
        assert visit["tariff_id"] in (1, 2) and visit["day_kind"] in ("weekday", "weekend") and visit["breakdown"]
        assert visit["started_at"] < visit["ended_at"]
        assert 1 <= visit["billed_minutes"] <= 300
        assert visit["amount"] >= 0
        if visit["status"] == "paid":
            assert visit["payment_method"] in ("cash", "card", "transfer", "subsidised")
        active = sum((s["ended_at"] - s["started_at"]).total_seconds() for s in segments[visit["id"]])
        assert visit["billed_minutes"] == -(-int(active) // 60) or abs(visit["billed_minutes"] * 60 - active) < 60
        for segment in segments[visit["id"]]:
            assert visit["started_at"] <= segment["started_at"] < segment["ended_at"] <= visit["ended_at"]
    methods = {v["payment_method"] for v in visits.values()}
    assert {"cash", "card"} <= methods
    assert all(v["note"] for v in visits.values() if v["payment_method"] == "subsidised")


def test_seed_scale_people_and_ages(seeded, app):
    from anticafe.timeutil import venue_today

    people = db.session.scalars(select(User).where(User.role == "visitor")).all()
    ages = [p.age_on(venue_today()) for p in people if p.birth_date]
    assert min(ages) >= 10 and max(ages) <= 31
    teenagers = sum(13 <= a <= 19 for a in ages)
    assert teenagers > len(ages) / 3
    assert all(p.guardian_name for p in people if p.email and p.age_on(venue_today()) < 14)
    staff = db.session.scalar(select(User).where(User.email == f"staff1@{EMAIL_DOMAIN}"))
    assert staff is not None and staff.role == "staff" and staff.check_password("scale-password-2026")


def test_new_rows_get_fresh_ids_after_seeding(seeded, make_user, make_event):
    """The explicit ids must not collide with the next ones the database hands out (PostgreSQL sequences)."""
    highest = max(r["id"] for r in rows("users"))
    assert make_user().id > highest
    assert make_event().id > 40


def test_seed_scale_refuses_a_database_that_is_not_empty(app, runner, make_user):
    make_user()
    result = runner.invoke(seed_scale, args=SMALL)
    assert result.exit_code != 0
    assert "not empty" in result.output and "table users has rows" in result.output


def test_seed_scale_prices_visits_with_their_tariff_and_bills_them(seeded):
    from anticafe.visits import pricing

    tariffs = {t["id"]: pricing.TariffRules.from_dict(t["rules"]) for t in rows("tariffs")}
    segments = defaultdict(list)
    for segment in rows("visit_segments"):
        segments[segment["visit_id"]].append((segment["started_at"], segment["ended_at"]))
    bills = {b["id"]: b for b in rows("bills")}
    uses = defaultdict(list)
    for use in rows("pass_uses"):
        uses[use["visit_id"]].append(use)
    billed = defaultdict(list)
    for visit in rows("visits"):
        paid = [pricing.Prepaid(str(u["pass_id"]), "pass", u["minutes"]) for u in uses[visit["id"]]]
        quote = pricing.quote(tariffs[visit["tariff_id"]], segments[visit["id"]],
                              day=pricing.DayKind(visit["day_kind"]), category=visit["guest_category"], prepaid=paid)
        assert (visit["amount"], visit["billed_minutes"]) == (quote.amount, quote.billed_minutes)
        if visit["status"] == "paid" and visit["bill_id"] is None:
            assert visit["amount"] == 0  # a pass paid it all
        elif visit["status"] == "paid":
            billed[visit["bill_id"]].append(visit)
            assert bills[visit["bill_id"]]["payment_method"] == visit["payment_method"]
        else:
            assert visit["bill_id"] is None
    assert set(billed) == set(bills)
    for bill_id, visits in billed.items():
        assert bills[bill_id]["total"] == sum(v["amount"] for v in visits)
    assert any(len(v) > 1 for v in billed.values()), "no group bill"
    assert {b["payment_method"] for b in bills.values()} == {"cash", "card", "transfer", "subsidised"}


def test_seed_scale_pass_balances_match_their_uses(seeded):
    spent = defaultdict(int)
    for use in rows("pass_uses"):
        spent[use["pass_id"]] += use["minutes"]
    assert spent, "no visit was paid with a pass"
    for held in rows("passes"):
        if held["kind"] == "membership":
            assert held["minutes_remaining"] is None
        else:
            assert held["minutes_remaining"] == held["minutes_total"] - spent[held["id"]] >= 0
        assert (held["price"] > 0) == (held["payment_method"] is not None)


def test_ticket_codes_look_like_the_registrations_domain_makes_them():
    from anticafe import codes
    from anticafe.registrations.rows import TICKET_BITS as REAL_BITS
    from anticafe.registrations.rows import new_ticket_code
    from bench.scale import TICKET_BITS

    code = random_code(TICKET_BITS)
    assert TICKET_BITS == REAL_BITS
    assert len(code) == len(new_ticket_code()) and codes.normalize(code) == code


# -- the benchmark's pieces --------------------------------------------------------------------------

def test_bare_ceiling_answers():
    answer = ceilings.bare().test_client().get("/ping")
    assert answer.status_code == 200 and answer.get_json()["status"] == "ok"


def test_checkin_ceiling_looks_up_and_inserts(app, db_url, make_user, make_event):
    from anticafe.registrations.models import Registration

    event = make_event()
    reg = Registration(event_id=event.id, user_id=make_user().id, status="confirmed", ticket_code=random_code(128))
    db.session.add(reg)
    db.session.commit()
    ceiling = ceilings.checkin(db_url)
    web = ceiling.test_client()
    try:
        first = web.post("/checkin", json={"code": f"https://cafe.example/t/{reg.ticket_code}"})
        again = web.post("/checkin", json={"code": reg.ticket_code})
        unknown = web.post("/checkin", json={"code": "NOPE"})
        assert (first.status_code, first.get_json()["result"]) == (200, "checked_in")
        assert again.get_json()["result"] == "already_checked_in"
        assert unknown.status_code == 404
        assert web.get("/healthz").status_code == 200
    finally:
        with ceiling.app_context():
            ceiling.extensions["sqlalchemy"].engine.dispose()


@pytest.mark.parametrize("raw, eof, expected", [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", False, (200, b"ok", False)),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok", False, None),
    (b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
     False, (201, b"abc", True)),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n", False, None),
    (b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", False, (304, b"", False)),
    (b"HTTP/1.0 200 OK\r\n\r\nuntil the end", True, (200, b"until the end", True)),
    (b"HTTP/1.0 200 OK\r\n\r\nuntil the end", False, None),
])
def test_client_parses_responses(raw, eof, expected):
    found = client.parse(bytearray(raw), eof)
    if expected is None:
        assert found is None
    else:
        response, used = found
        assert (response.status, response.body, response.close) == expected
        assert used == len(raw)


def run_in_thread(coroutine):
    """Run a coroutine to completion in its own thread and event loop.

    The load generator normally runs in its own process; in the test process a Playwright test may
    already have an event loop running in the main thread, where asyncio.run() would refuse.
    """
    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # re-raised in the test's thread, SystemExit included
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_client_drives_a_real_server_with_keep_alive(serve):
    with serve(ceilings.bare()) as server:
        port = int(server.url.rsplit(":", 1)[1])
        result = run_in_thread(client.drive({
            "host": "127.0.0.1", "port": port, "concurrency": 3, "max_requests": 30, "max_seconds": 20,
            "requests": [["GET", "/ping", {}, None], ["GET", "/missing", {}, None]], "cycle": True,
            "json_field": "status"}))
    assert result["count"] == 30 and result["failures"] == 0
    assert result["statuses"] == {"200": 15, "404": 15}
    assert result["values"]["ok"] == 15
    assert 0 < result["p50"] <= result["p99"] <= result["max"]


def test_client_refuses_other_hosts():
    with pytest.raises(SystemExit):
        run_in_thread(client.drive({"host": "192.0.2.1", "port": 80, "max_requests": 1, "max_seconds": 1,
                                  "requests": [["GET", "/", {}, None]]}))


def test_bench_options_and_report(tmp_path):
    quick = run.options(["--quick"])
    assert (quick.reps, quick.factors) == (1, (0.1, 1.0))
    assert run.options([]).factors == (0.1, 1.0, 10.0)
    assert len({s.key for s in SCENARIOS}) == len(SCENARIOS)
    row = {"title": "Ceiling: bare", "server": "bare", "expect": [200], "rps": 900.0, "p50": 8.0, "p95": 9.0,
           "p99": 12.0, "max": 20.0, "count": 100, "failures": 0, "statuses": {"200": 100}, "values": {},
           "samples": []}
    fake = {"started": "now", "mode": "quick", "reps": 1, "concurrency": 8, "seconds": 6, "requests": 100,
            "warmup": 40, "factors": [0.1, 1.0], "minutes": 1, "machine": {"nproc": 2}, "versions": {"Python": "3"},
            "runs": {"sqlite": {"scenarios": {"ceiling_bare": row}, "seed_seconds": {"1": 20.0}, "growth": {},
                                "memory_mb": {"app": [80.0, 82.0]}, "notes": {}, "skipped": ["checkin_first"]}}}
    path = tmp_path / "RESULTS.md"
    report.write_report(json.loads(json.dumps(fake)), path)
    text = path.read_text()
    assert "| Ceiling: bare | 900 |" in text and "Worker peak memory < 150 MB | **met**" in text
    assert "seed-scale at factor 1: < 2 minutes | **met**" in text
