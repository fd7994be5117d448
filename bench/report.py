"""Write bench/RESULTS.md from a run's numbers: machine, versions, the table, ratios, growth, verdicts."""

from pathlib import Path

from .servers import VENUE_CAPACITY, WORKER_CLASS, WORKERS

FINDINGS = Path(__file__).with_name("findings.md")
DB_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _f(value, digits: int = 1) -> str:
    if value is None or value != value:  # None or NaN
        return "–"
    return f"{value:,.{digits}f}".replace(",", " ")


def _ratio(value, base) -> str:
    if not value or not base:
        return "–"
    return f"{value / base:.2f}"


def _answers(row: dict) -> str:
    parts = [f"{code}×{n}" for code, n in row["statuses"].items()]
    if row.get("values"):
        parts.append("(" + ", ".join(f"{k} {v}" for k, v in sorted(row["values"].items())) + ")")
    if row.get("failures"):
        parts.append(f"**{row['failures']} failed**")
    return " ".join(parts)


def _unexpected(row: dict) -> int:
    return sum(n for code, n in row["statuses"].items() if int(code) not in row["expect"]) + row.get("failures", 0)


# -- verdicts --------------------------------------------------------------------------------------

def verdicts(report: dict) -> list[tuple[str, str, str]]:
    """Return (target, verdict, evidence) for every target of the issue."""
    found = []
    runs = report["runs"]

    def each(fn):
        results = [(DB_NAMES.get(db, db), fn(run)) for db, run in runs.items()]
        measured = [(name, r) for name, r in results if r is not None and r[0] is not None]
        reasons = {r[1] for _, r in results if r is not None and r[0] is None}
        if not measured:
            return "not measured", "; ".join(sorted(reasons)) or "the feature is not on main yet"
        ok = all(r[0] for _, r in measured)
        return ("**met**" if ok else "**missed**"), "; ".join(f"{name}: {r[1]}" for name, r in measured)

    def checkin(key):
        def fn(run):
            row, ceiling = run["scenarios"].get(key), run["scenarios"].get("ceiling_checkin")
            if row is None or ceiling is None:
                return None
            ok = row["rps"] >= ceiling["rps"] and row["p99"] < 50 and not _unexpected(row)
            floor = run["scenarios"].get("api_me")
            noop = (f"; the app's authenticated call that does nothing (`GET /api/v1/me`): "
                    f"{_f(floor['rps'], 0)} req/s (×{_ratio(floor['rps'], ceiling['rps'])})") if floor else ""
            return ok, (f"{_f(row['rps'], 0)} req/s vs ceiling {_f(ceiling['rps'], 0)} "
                        f"(×{_ratio(row['rps'], ceiling['rps'])}), p99 {_f(row['p99'])} ms{noop}")
        return fn

    for key, label in (("checkin_first", "first scans"), ("checkin_repeat", "repeat scans")):
        found.append((f"Check-in, {label}: ≥ check-in ceiling's req/s, p99 < 50 ms", *each(checkin(key))))

    def registration(run):
        row, first = run["scenarios"].get("register_near_capacity"), run["scenarios"].get("checkin_first")
        if row is None or first is None:
            return None
        note = run["notes"].get("register_near_capacity", "")
        ok = row["rps"] >= 0.5 * first["rps"] and not _unexpected(row) and note.startswith("kept")
        return ok, (f"{_f(row['rps'], 0)} req/s vs half the first scans {_f(first['rps'] / 2, 0)}; "
                    f"invariants {note or 'not checked'}")

    found.append(("Registration near capacity: ≥ half the check-in figure, race guarantees kept",
                  *each(registration)))

    def under(key, limit, what="p50", note=""):
        def fn(run):
            row = run["scenarios"].get(key)
            if row is None:
                return None
            return row[what] < limit and not _unexpected(row), f"{what} {_f(row[what])} ms{note}"
        return fn

    cached = " (repeat questions, answered from the statistics cache; counted afresh: the growth curve)"
    for key, label in (("stats_dashboard", "Committee dashboard, a year"),
                       ("stats_summary", "`/api/v1/stats/summary`, a year")):
        found.append((f"{label}: < 300 ms (8 clients, p50)", *each(under(key, 300, note=cached))))

    def growth(run):
        figures = run.get("growth", {})
        if "1" in figures and figures["1"] and "10" not in figures:
            return None, "factor 10 not seeded in this run (quick mode; the full `make bench` runs it)"
        if "1" not in figures or "10" not in figures:
            return None
        parts, ok = [], True
        for key, one in figures["1"].items():
            ten = figures["10"].get(key)
            if ten is None:
                continue
            ratio = ten["p50"] / one["p50"] if one["p50"] else float("inf")
            ok = ok and ratio <= 10
            parts.append(f"{key} ×{ratio:.1f}")
        return (ok, ", ".join(parts)) if parts else None

    found.append(("Statistics growth from factor 1 to 10: no worse than linear (≤ ×10)", *each(growth)))
    found.append(("Event month page: p50 < 100 ms", *each(under("events_month", 100))))
    found.append(("`/calendar.ics` with 2,000 events: p50 < 200 ms", *each(under("calendar_ics", 200))))
    def not_modified(run):
        result = under("calendar_ics_304", 10)(run)
        floor = run["scenarios"].get("healthz")
        if result is None or floor is None:
            return result
        return result[0], f"{result[1]}; the app's lightest route (`/healthz`): p50 {_f(floor['p50'])} ms"

    found.append(("`/calendar.ics` repeat request (304): < 10 ms", *each(not_modified)))

    def memory(run):
        peaks = run.get("memory_mb", {}).get("app")
        if not peaks:
            return None
        return max(peaks) < 150, "workers " + ", ".join(f"{p:.0f} MB" for p in peaks)

    found.append(("Worker peak memory < 150 MB", *each(memory)))

    def seeding(run):
        seconds = run.get("seed_seconds", {}).get("1")
        return None if seconds is None else (seconds < 120, f"{seconds:.0f} s")

    found.append(("seed-scale at factor 1: < 2 minutes", *each(seeding)))
    return found


def fresh_verdicts(report: dict) -> list[tuple[str, str, str]]:
    """Return (target, verdict, evidence) for the staff screens at a full café and the statistics
    without a timer (issue 16)."""
    runs = report["runs"]

    def each(fn):
        results = [(DB_NAMES.get(db, db), fn(run)) for db, run in runs.items()]
        measured = [(name, r) for name, r in results if r is not None]
        if not measured:
            return "not measured", "the scenario did not run"
        ok = all(r[0] for _, r in measured)
        return ("**met**" if ok else "**missed**"), "; ".join(f"{name}: {r[1]}" for name, r in measured)

    def p50_under(key, limit):
        def fn(run):
            row = run["scenarios"].get(key)
            if row is None:
                return None
            return (row["p50"] < limit and not _unexpected(row),
                    f"{_f(row['rps'], 0)} req/s, p50 {_f(row['p50'])} ms")
        return fn

    def cards(run):
        row, first = run["scenarios"].get("card_scans"), run["scenarios"].get("checkin_first")
        if row is None or first is None:
            return None
        return (row["rps"] >= first["rps"] and not _unexpected(row),
                f"{_f(row['rps'], 0)} req/s (p50 {_f(row['p50'])} ms) vs the event check-in's {_f(first['rps'], 0)}")

    def afresh(run):
        one = run.get("growth", {}).get("1", {}).get("stats_dashboard")
        if not one:
            return None
        return one["p50"] < 300, f"{_f(one['p50'])} ms (one client, `Cache-Control: no-cache`)"

    def ratio(run):
        row, ceiling, noop = (run["scenarios"].get(k) for k in ("checkin_first", "ceiling_checkin", "api_me"))
        if row is None or ceiling is None or noop is None:
            return None
        to_ceiling, to_noop = row["rps"] / ceiling["rps"], row["rps"] / noop["rps"]
        return (to_ceiling >= 0.6 and to_noop >= 0.9,
                f"×{to_ceiling:.2f} of the ceiling, ×{to_noop:.2f} of `GET /api/v1/me`")

    def growth(run):
        figures = run.get("growth", {})
        one, ten = figures.get("1", {}).get("stats_dashboard"), figures.get("10", {}).get("stats_dashboard")
        if not one:
            return None
        if not ten:
            return False, "factor 10 not seeded in this run: not shown, so not met"
        factor = ten["p50"] / one["p50"]
        return factor <= 10, f"×{factor:.1f}"

    return [
        ("Live board page, 60 inside: p50 < 40 ms", *each(p50_under("live_board", 40))),
        ("Live board API, 60 inside: p50 < 20 ms", *each(p50_under("live_board_api", 20))),
        ("Guest-card scans: ≥ the event check-in's req/s", *each(cards)),
        ("Home page: p50 < 20 ms", *each(p50_under("home", 20))),
        ("Committee dashboard, a year, counted afresh: < 300 ms, no time-based cache", *each(afresh)),
        ("Event check-in: ≥ ×0.6 of the check-in ceiling and ≥ ×0.9 of the authenticated no-op",
         *each(ratio)),
        ("Growth of the year's dashboard, factor 1 → 10: ≤ ×10", *each(growth)),
    ]


def _client_cost(report: dict) -> str:
    costs = [rep["client_cpu_ms_per_request"] for run in report["runs"].values() for row in run["scenarios"].values()
             for rep in row.get("reps", []) if "client_cpu_ms_per_request" in rep]
    if not costs:
        return ""
    return (f"The client used {min(costs):.2f}–{max(costs):.2f} ms of CPU per request (process start "
            "included), the same for the app and the ceilings. ")


# -- the document ----------------------------------------------------------------------------------

def write_report(report: dict, path: Path) -> None:
    m, v = report["machine"], report["versions"]
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `make bench` (`python -m bench.run`, {report['mode']} mode) on {report['started']}; "
        f"the run took {report.get('minutes', '?')} minutes. Rerun it to refresh this file.",
        "",
    ]
    starts = {backend: run["started"] for backend, run in report["runs"].items() if run.get("started")}
    if len(set(starts.values())) > 1:  # `--merge`: the databases were measured in separate runs
        lines += ["Databases measured in separate runs (`--merge`): " + "; ".join(
            f"{backend} from {started} (load average before: {' '.join(report['runs'][backend]['load_before'])})"
            for backend, started in starts.items()) + ".", ""]
    lines += [
        "## Machine and versions",
        "",
        f"- {m.get('nproc')} CPUs ({m.get('cpu', '?')}), {m.get('memory_gb', '?')} GB memory, "
        f"{m.get('platform', '')}; load average before the run: {' '.join(m.get('load_before', []))}. "
        "The machine is shared with other work, so absolute numbers drift: read the ratios.",
        "- " + ", ".join(f"{name} {value}" for name, value in v.items()),
        "",
        "## How it is measured",
        "",
        f"- The app is served by gunicorn, {WORKERS} `{WORKER_CLASS}` workers, on 127.0.0.1 with the production "
        "settings (`ANTICAFE_ENV=production`, a SECRET_KEY generated for the run) and `RATELIMIT_ENABLED=false` "
        "(all clients share one address; a per-address limit would measure the limiter, not the app), and "
        f"`VENUE_CAPACITY={VENUE_CAPACITY}` instead of 60 so that the guest-card scenario can keep a couple of "
        "hundred people inside next to the live board's and the check-in scenarios' event guests (a card "
        "scanned again within 60 s of its start is taken for a double read, so each stop goes to someone who "
        "came in 90 minutes earlier).",
        "- Ceilings, served the same way against the same database in the same run: a bare Flask route returning a "
        "small JSON (`bench/ceilings.py:bare`), and a minimal Flask + SQLAlchemy route that looks a ticket up and "
        "inserts a check-in row (`bench/ceilings.py:checkin`). Ratios are req/s divided by the ceiling's req/s.",
        f"- Load generator: `bench/client.py`, a small asyncio HTTP/1.1 client (standard library only: a low-level "
        "`asyncio.Protocol` on `loop.create_connection`, which costs the client less CPU than streams from "
        "`asyncio.open_connection` — it shares the two cores with the server), in its own process: "
        f"{report['concurrency']} connections, keep-alive when the server allows it (gunicorn's sync workers "
        "close after each answer, so it reconnects; connecting counts in the latency). "
        f"{_client_cost(report)}Each repetition is bounded by {report['requests']} requests and "
        f"{report['seconds']:g} s, after {report['warmup']} unmeasured warm-up requests; "
        f"{report['reps']} repetition(s), interleaved with the ceilings, and each figure is the median over them.",
        "- Data: `flask --app bench.app seed-scale` (5,000 people, 1,500 events, 40,000 registrations, 60,000 timed "
        "visits; `--factor` scales them). SQLite is a file in WAL mode with the app's pragmas; PostgreSQL is a "
        "throwaway server started like the tests' (`tests/pgserver.py`), fsync on, `synchronous_commit=off` "
        "(the same durability promise as SQLite's WAL with synchronous=NORMAL).",
        "",
        "## Seeding",
        "",
        "| factor | " + " | ".join(DB_NAMES.get(db, db) for db in report["runs"]) + " |",
        "|---|" + "---|" * len(report["runs"]),
    ]
    factors = sorted({f for run in report["runs"].values() for f in run["seed_seconds"]}, key=float)
    for factor in factors:
        lines.append(f"| {factor} | " + " | ".join(
            f"{run['seed_seconds'][factor]:.0f} s" if factor in run["seed_seconds"] else "–"
            for run in report["runs"].values()) + " |")
    for db, run in report["runs"].items():
        sc = run["scenarios"]
        bare, ceiling = sc.get("ceiling_bare", {}).get("rps"), sc.get("ceiling_checkin", {}).get("rps")
        lines += ["", f"## {DB_NAMES.get(db, db)}", "",
                  "| scenario | req/s | p50 ms | p95 ms | p99 ms | × bare | × check-in ceiling | answers |",
                  "|---|---:|---:|---:|---:|---:|---:|---|"]
        for row in sc.values():
            lines.append(f"| {row['title']} | {_f(row['rps'], 0)} | {_f(row['p50'])} | {_f(row['p95'])} | "
                         f"{_f(row['p99'])} | {_ratio(row['rps'], bare)} | {_ratio(row['rps'], ceiling)} | "
                         f"{_answers(row)} |")
        if run.get("skipped"):
            lines += ["", "Not measured (feature not on main when this ran): " +
                      ", ".join(f"`{key}`" for key in run["skipped"]) + "."]
        for key, note in run.get("notes", {}).items():
            lines.append(f"\n`{key}`: {note}")
        unexpected = [(row["title"], row["samples"]) for row in sc.values() if _unexpected(row)]
        for title, samples in unexpected:
            lines.append(f"\nUnexpected answers in “{title}”: " + "; ".join(f"`{s[:160]}`" for s in samples))
        memory = run.get("memory_mb", {})
        if memory:
            lines.append("\nPeak resident memory (VmHWM) per worker: " + "; ".join(
                f"{name} " + ", ".join(f"{p:.0f} MB" for p in peaks) for name, peaks in memory.items()) + ".")
    growth_keys = sorted({k for run in report["runs"].values() for g in run.get("growth", {}).values() for k in g})
    if growth_keys:
        lines += ["", "## Growth curve: the year's statistics at factor 0.1, 1 and 10", "",
                  "One client, one request after another (median of 7 requests), each sent with "
                  "`Cache-Control: no-cache` so that the figures are counted afresh past the statistics cache "
                  "(`anticafe/stats/cache.py`): the time a committee member waits for a question nobody asked "
                  "in the last minute, and how it grows with the data.", "",
                  "| database | figure | " + " | ".join(f"factor {f:g}" for f in report["factors"]) + " | 1 → 10 |",
                  "|---|---|" + "---:|" * (len(report["factors"]) + 1)]
        for db, run in report["runs"].items():
            growth = run.get("growth", {})
            for key in growth_keys:
                cells = [growth.get(f"{f:g}", {}).get(key, {}).get("p50") for f in report["factors"]]
                one, ten = growth.get("1", {}).get(key, {}).get("p50"), growth.get("10", {}).get(key, {}).get("p50")
                lines.append(f"| {DB_NAMES.get(db, db)} | `{key}` | " + " | ".join(f"{_f(c)} ms" for c in cells) +
                             f" | {'×' + _ratio(ten, one) if one and ten else '–'} |")
    lines += ["", "## Targets (issue 10)", "", "| target | verdict | measured |", "|---|---|---|"]
    for target, verdict, evidence in verdicts(report):
        lines.append(f"| {target} | {verdict} | {evidence} |")
    lines += ["", "## Targets (issue 16: the staff screens at a full café, statistics without a timer)", "",
              "| target | verdict | measured |", "|---|---|---|"]
    for target, verdict, evidence in fresh_verdicts(report):
        lines.append(f"| {target} | {verdict} | {evidence} |")
    if FINDINGS.exists():
        lines += ["", FINDINGS.read_text().strip()]
    path.write_text("\n".join(lines) + "\n")
