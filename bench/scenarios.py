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
    #: notes for the report (checks made after a scenario, e.g. the registration invariants)
    notes: dict = field(default_factory=dict)

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


def _home_job(ctx: Ctx, rep: int) -> dict:
    item = request("GET", "/", RUSSIAN)
    return {"requests": [item], "cycle": True, "warmup": [item] * WARMUP}


SCENARIOS: list[Scenario] = [
    Scenario("ceiling_bare", "Ceiling: bare Flask route, small JSON", None, _bare_job, server="bare"),
    Scenario("ceiling_checkin", "Ceiling: Flask + SQLAlchemy, look up ticket + insert check-in", None, _ceiling_job,
             prepare=_ceiling_prepare, server="checkin"),
    Scenario("home", "Home page (GET /)", "/", _home_job),
    Scenario("api_me", "API current user, bearer token (GET /api/v1/me)", "/api/v1/me", _me_job,
             prepare=_me_prepare),
]
