"""The benchmark's scenarios: what is requested, from whom, and what a correct answer looks like.

A scenario runs only when the app serves its route (`rule`), so the benchmark grows with the features
on main. `prepare(ctx)` runs once per database inside the benchmark's app context and keeps what the
requests need in `ctx.data`; `job(ctx, rep)` returns the requests of one repetition (first scans get
fresh tickets in every repetition, so the three repetitions measure the same thing).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from . import prep
from .prep import JSON, RUSSIAN


@dataclass
class Ctx:
    """What the scenarios of one database share."""

    backend: str
    reps: int
    max_requests: int
    max_seconds: float
    data: dict = field(default_factory=dict)
    #: the latest result of each scenario (a repeat scan only sends tickets the first scans reached)
    results: dict = field(default_factory=dict)

    @property
    def pool(self) -> int:
        """Distinct requests a first-time scenario needs: each repetition's warm-up and measured share."""
        return self.reps * (WARMUP + self.max_requests)


#: Unmeasured requests before each measured repetition (the worker imports and caches what it needs).
WARMUP = 40


@dataclass
class Scenario:
    key: str
    title: str
    #: the URL rule that must exist in the app for the scenario to run (None: always)
    rule: str | None
    job: Callable[[Ctx, int], dict]
    prepare: Callable[[Ctx], None] | None = None
    #: which server answers: "app", or the ceilings "bare" / "checkin"
    server: str = "app"
    expect: tuple[int, ...] = (200,)
    #: also timed alone at factors 0.1, 1 and 10 (the growth curve)
    growth: bool = False
    #: a check run in the app context after all repetitions; returns a line for the report
    verify: Callable[[Ctx], str] | None = None
    #: run in the app context after each repetition (puts the database back for the next one)
    after: Callable[[Ctx], None] | None = None
    #: run in the app context before each repetition's requests are sent
    before: Callable[[Ctx, int], None] | None = None
    #: a further condition on the app, for features that need two domains wired together
    needs: Callable[[], bool] | None = None


def request(method: str, path: str, headers: dict | None = None, body=None) -> list:
    return [method, path, headers or {}, json.dumps(body) if body is not None else None]


# -- ceilings --------------------------------------------------------------------------------------

def _bare_job(ctx: Ctx, rep: int) -> dict:
    return {"requests": [request("GET", "/ping")], "cycle": True, "warmup": [request("GET", "/ping")] * WARMUP}


def _ceiling_prepare(ctx: Ctx) -> None:
    ctx.data["ceiling_tickets"] = prep.confirmed_tickets(ctx.pool, "Потолок: регистрация")


def _ceiling_job(ctx: Ctx, rep: int) -> dict:
    return _scan_job(ctx.data["ceiling_tickets"], rep, ctx, "/checkin", {})


def _scan_job(codes: list[str], rep: int, ctx: Ctx, path: str, headers: dict) -> dict:
    """First scans: every request carries a ticket nobody has scanned yet."""
    share = WARMUP + ctx.max_requests
    mine = codes[rep * share:(rep + 1) * share]
    items = [request("POST", path, {**JSON, **headers}, {"code": prep.ticket_url(code)}) for code in mine]
    return {"warmup": items[:WARMUP], "requests": items[WARMUP:], "json_field": "result"}


# -- always there: the home page and the API's current user ----------------------------------------

def _me_prepare(ctx: Ctx) -> None:
    ctx.data["staff_bearer"] = prep.bearer(prep.member("staff", 1))


def _me_job(ctx: Ctx, rep: int) -> dict:
    item = request("GET", "/api/v1/me", ctx.data["staff_bearer"])
    return {"requests": [item], "cycle": True, "warmup": [item] * WARMUP}


def _health_job(ctx: Ctx, rep: int) -> dict:
    item = request("GET", "/healthz")
    return {"requests": [item], "cycle": True, "warmup": [item] * WARMUP}


def _home_job(ctx: Ctx, rep: int) -> dict:
    item = request("GET", "/", RUSSIAN)
    return {"requests": [item], "cycle": True, "warmup": [item] * WARMUP}


# -- the door: first and repeat scans, guest cards -------------------------------------------------

DEVICE = "Телефон у входа (бенчмарк)"


def _door_prepare(ctx: Ctx) -> None:
    ctx.data["door_bearer"] = prep.bearer(prep.member("staff", 1))
    ctx.data["door_tickets"] = prep.confirmed_tickets(ctx.pool, "Турнир: очередь у входа")


def _door_items(ctx: Ctx, rep: int) -> list:
    share = WARMUP + ctx.max_requests
    mine = ctx.data["door_tickets"][rep * share:(rep + 1) * share]
    headers = {**JSON, **ctx.data["door_bearer"]}
    return [request("POST", "/api/v1/checkin", headers, {"code": prep.ticket_url(code), "device": DEVICE})
            for code in mine]


def _first_scans_job(ctx: Ctx, rep: int) -> dict:
    items = _door_items(ctx, rep)
    return {"warmup": items[:WARMUP], "requests": items[WARMUP:], "json_field": "result"}


def _repeat_scans_job(ctx: Ctx, rep: int) -> dict:
    """The tickets this repetition's first scans reached, again (a second phone, or the camera twice)."""
    items = _door_items(ctx, rep)
    reached = ctx.results.get("checkin_first", {}).get("count", 0)
    return {"warmup": items[:WARMUP], "requests": items[WARMUP:WARMUP + max(reached, 1)], "cycle": True,
            "json_field": "result"}


#: Guest-card scans: the visits domain ignores a second scan of a card within 60 seconds of the start
#: (a double read), so every "stop" scan goes to someone who came in 90 minutes ago and every "start"
#: scan to someone outside, taking turns: the number of people inside stays the same during the run.
#: Each repetition sends at most CARD_REQUESTS scans (half of them stops, so that many people must be
#: inside at the start): the app is served with VENUE_CAPACITY raised for this (see run.py).
CARD_REQUESTS = 400


def _cards_prepare(ctx: Ctx) -> None:
    ctx.data.setdefault("door_bearer", prep.bearer(prep.member("staff", 1)))
    pairs = (WARMUP + CARD_REQUESTS) // 2
    ctx.data["cards"] = prep.guest_cards(pairs * 2 * ctx.reps)


def _cards_pairs(ctx: Ctx, rep: int) -> tuple[list[str], list[str]]:
    pairs = (WARMUP + CARD_REQUESTS) // 2
    mine = ctx.data["cards"][rep * pairs * 2:(rep + 1) * pairs * 2]
    return mine[:pairs], mine[pairs:]


def _cards_before(ctx: Ctx, rep: int) -> None:
    inside, _ = _cards_pairs(ctx, rep)
    prep.visits_going_on(inside, minutes=90)


def _cards_job(ctx: Ctx, rep: int) -> dict:
    headers = {**JSON, **ctx.data["door_bearer"]}
    inside, outside = _cards_pairs(ctx, rep)
    items = []
    for leaving, coming in zip(inside, outside, strict=True):
        items += [request("POST", "/api/v1/checkin", headers, {"code": code, "device": DEVICE})
                  for code in (leaving, coming)]
    return {"warmup": items[:WARMUP], "requests": items[WARMUP:], "max_requests": CARD_REQUESTS,
            "json_field": "result"}


def _cards_wired() -> bool:
    """The door hands guest cards to the visits domain (a receiver of `signals.code_scanned`)."""
    from anticafe import signals

    return bool(signals.code_scanned.receivers)


def _cards_after(ctx: Ctx) -> None:
    """Stop and settle the visits the repetition left open (staff at closing time): the next one starts clean."""
    prep.stop_visits_of_cards(ctx.data["cards"])


# -- registrations: many people tapping "register" for events that are nearly full -----------------

#: Events per repetition, seats, seats already taken, and the people who try to register for each.
REG_EVENTS, REG_CAPACITY, REG_TAKEN = 20, 50, 45


def _register_prepare(ctx: Ctx) -> None:
    per_event = -(-(ctx.max_requests + WARMUP) // REG_EVENTS)
    people = prep.visitors(per_event + REG_TAKEN, adults_only=True)
    hopefuls, holders = people[:per_event], people[per_event:]
    tokens = prep.tokens_for(hopefuls)
    ctx.data["register"] = []
    for rep in range(ctx.reps):
        events = [prep.event_soon(f"Финал лиги мафии, стол {rep * REG_EVENTS + n + 1}", capacity=REG_CAPACITY,
                                  holders=holders[:REG_TAKEN]) for n in range(REG_EVENTS)]
        # everybody tries every event of the repetition, the events taking turns
        items = [request("POST", f"/api/v1/events/{event}/registrations",
                         {**JSON, "Authorization": f"Bearer {tokens[uid]}"}, {})
                 for uid in hopefuls for event in events]
        ctx.data["register"].append({"events": events, "items": items})


def _register_job(ctx: Ctx, rep: int) -> dict:
    items = ctx.data["register"][rep]["items"]
    return {"warmup": items[:WARMUP], "requests": items[WARMUP:], "json_field": "status"}


def _register_verify(ctx: Ctx) -> str:
    events = [e for rep in ctx.data["register"] for e in rep["events"]]
    return prep.seat_invariants(events, REG_CAPACITY)


# -- events: the month page and the calendar feed --------------------------------------------------

#: The calendar feed is measured with this many events in it.
FEED_EVENTS = 2000


def _month_job(ctx: Ctx, rep: int) -> dict:
    item = request("GET", "/events/", RUSSIAN)
    return {"requests": [item], "cycle": True, "warmup": [item] * WARMUP}


def _ics_prepare(ctx: Ctx) -> None:
    ctx.data["feed_events"] = prep.fill_feed(FEED_EVENTS)


def _ics_job(ctx: Ctx, rep: int) -> dict:
    item = request("GET", "/calendar.ics")
    return {"requests": [item], "cycle": True, "warmup": [item] * 4}


def _ics_304_job(ctx: Ctx, rep: int) -> dict:
    if "server_url" in ctx.data:  # served (bench.profile sets the ETag itself, in-process)
        # Asked again for each repetition: preparing other scenarios (their events) changes the feed.
        ctx.data["ics_etag"] = prep.etag_of(ctx.data["server_url"] + "/calendar.ics")
    item = request("GET", "/calendar.ics", {"If-None-Match": ctx.data["ics_etag"]})
    return {"requests": [item], "cycle": True, "warmup": [item] * WARMUP}


# -- visits: the live board with 60 people inside --------------------------------------------------

BOARD_PEOPLE = 60


def _board_prepare(ctx: Ctx) -> None:
    if "board_cookie" in ctx.data:
        return  # the page and the API share the 40 people
    staff = prep.member("staff", 2)
    ctx.data["board_cookie"] = prep.session_cookie(staff)
    ctx.data["board_bearer"] = prep.bearer(staff)
    prep.people_inside(BOARD_PEOPLE)


def _board_job(ctx: Ctx, rep: int) -> dict:
    item = request("GET", "/visits/", {**RUSSIAN, **ctx.data["board_cookie"]})
    return {"requests": [item], "cycle": True, "warmup": [item] * WARMUP}


def _board_api_job(ctx: Ctx, rep: int) -> dict:
    item = request("GET", "/api/v1/visits/board", ctx.data["board_bearer"])
    return {"requests": [item], "cycle": True, "warmup": [item] * WARMUP}


# -- the door: an event's attendance page with 60 people checked in ---------------------------------

DOOR_CHECKED_IN = 60


def _attendance_prepare(ctx: Ctx) -> None:
    staff = prep.member("staff", 2)
    ctx.data["door_cookie"] = prep.session_cookie(staff)
    ctx.data["attendance_event"] = prep.event_checked_in("Вечер настолок: 60 у входа", DOOR_CHECKED_IN)


def _attendance_job(ctx: Ctx, rep: int) -> dict:
    item = request("GET", f"/door/events/{ctx.data['attendance_event']}", {**RUSSIAN, **ctx.data["door_cookie"]})
    return {"requests": [item], "cycle": True, "warmup": [item] * WARMUP}


# -- statistics: a whole year for the committee ----------------------------------------------------

def _stats_prepare(ctx: Ctx) -> None:
    if "committee_cookie" in ctx.data:
        return
    member = prep.member("committee", 1)
    ctx.data["committee_cookie"] = prep.session_cookie(member)
    ctx.data["committee_bearer"] = prep.bearer(member)
    ctx.data["year"] = prep.last_year()


def _dashboard_job(ctx: Ctx, rep: int) -> dict:
    first, last = ctx.data["year"]
    item = request("GET", f"/stats/?from={first}&to={last}", {**RUSSIAN, **ctx.data["committee_cookie"]})
    return {"requests": [item], "cycle": True, "warmup": [item] * 2}


def _summary_job(ctx: Ctx, rep: int) -> dict:
    first, last = ctx.data["year"]
    item = request("GET", f"/api/v1/stats/summary?from={first}&to={last}", ctx.data["committee_bearer"])
    return {"requests": [item], "cycle": True, "warmup": [item] * 2}


SCENARIOS: list[Scenario] = [
    Scenario("ceiling_bare", "Ceiling: bare Flask route, small JSON", None, _bare_job, server="bare"),
    Scenario("ceiling_checkin", "Ceiling: Flask + SQLAlchemy, look up ticket + insert check-in", None, _ceiling_job,
             prepare=_ceiling_prepare, server="checkin"),
    Scenario("checkin_first", "Check-in, first scans of distinct tickets (POST /api/v1/checkin)", "/api/v1/checkin",
             _first_scans_job, prepare=_door_prepare),
    Scenario("checkin_repeat", "Check-in, repeat scans of the same tickets", "/api/v1/checkin", _repeat_scans_job),
    Scenario("register_near_capacity", "Registrations into events near capacity (POST …/registrations)",
             "/api/v1/events/<int:event_id>/registrations", _register_job, prepare=_register_prepare,
             expect=(201,), verify=_register_verify),
    Scenario("events_month", "Event month page (GET /events/)", "/events/", _month_job),
    Scenario("calendar_ics", f"/calendar.ics with {FEED_EVENTS} events", "/calendar.ics", _ics_job,
             prepare=_ics_prepare),
    Scenario("calendar_ics_304", "/calendar.ics repeat request (If-None-Match → 304)", "/calendar.ics", _ics_304_job,
             expect=(304,)),
    Scenario("live_board", f"Live board page, {BOARD_PEOPLE} people inside (GET /visits/)", "/visits/", _board_job,
             prepare=_board_prepare),
    Scenario("live_board_api", f"Live board API, {BOARD_PEOPLE} people inside", "/api/v1/visits/board",
             _board_api_job, prepare=_board_prepare),
    Scenario("door_attendance", f"Door attendance page, {DOOR_CHECKED_IN} checked in (GET /door/events/<id>)",
             "/door/events/<int:event_id>", _attendance_job, prepare=_attendance_prepare),
    Scenario("card_scans", "Guest-card scans starting and stopping visits (POST /api/v1/checkin)",
             "/api/v1/checkin", _cards_job, prepare=_cards_prepare, before=_cards_before, after=_cards_after,
             needs=_cards_wired),
    Scenario("stats_dashboard", "Committee dashboard, a whole year (GET /stats/)", "/stats/", _dashboard_job,
             prepare=_stats_prepare, growth=True),
    Scenario("stats_summary", "Statistics summary API, a whole year", "/api/v1/stats/summary", _summary_job,
             prepare=_stats_prepare, growth=True),
    Scenario("home", "Home page (GET /)", "/", _home_job),
    Scenario("healthz", "The app's lightest route: health check, SELECT 1 (GET /healthz)", "/healthz", _health_job),
    Scenario("api_me", "API current user, bearer token (GET /api/v1/me)", "/api/v1/me", _me_job,
             prepare=_me_prepare),
]
