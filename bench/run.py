"""`make bench` (`python -m bench.run`): the app at a year's scale against its two ceilings.

For each database (SQLite file, then a throwaway PostgreSQL server): migrate an empty database, seed
one busy year with `flask seed-scale`, serve the app and the two ceilings with gunicorn (2 sync
workers, production settings) on 127.0.0.1, drive every scenario whose feature is on main with 8
concurrent clients (the load generator runs in its own process), three repetitions each, interleaved
with the ceilings, and read the workers' peak memory. Then time the year's statistics at factor 0.1,
1 and 10. Writes bench/RESULTS.md (and the raw numbers to bench/out/).

    BENCH_QUICK=1 make bench        one repetition, no factor 10 (about a quarter of the time)
    python -m bench.run --help      more options (databases, scenarios, durations)

Production settings: ANTICAFE_ENV=production with a SECRET_KEY generated for the run, and
RATELIMIT_ENABLED=false: every client comes from 127.0.0.1, so any per-address limit would measure the
limiter instead of the app. VENUE_CAPACITY=10000 (instead of 60) lets the guest-card scenario keep a
couple of hundred people inside next to the board's 60 and the check-in scenarios' event guests.
"""

import argparse
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from .scenarios import SCENARIOS, WARMUP, Ctx, Scenario
from .servers import ROOT, VENUE_CAPACITY, Databases, Gunicorn, databases, remove_folder

OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
CONCURRENCY = 8
GROWTH_FACTORS = (0.1, 1.0, 10.0)
#: Sequential requests per figure of the growth curve.
GROWTH_REQUESTS = 7


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def options(argv=None) -> argparse.Namespace:
    quick = os.environ.get("BENCH_QUICK", "").lower() in ("1", "true", "yes")
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", default=quick,
                        help="one repetition and no factor 10 (also BENCH_QUICK=1)")
    parser.add_argument("--databases", default=os.environ.get("BENCH_DATABASES", "sqlite,postgresql"))
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""),
                        help="comma-separated scenario keys (the ceilings always run)")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "6")),
                        help="time bound of one repetition")
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", "2000")),
                        help="count bound of one repetition")
    parser.add_argument("--no-growth", action="store_true", help="skip the growth curve")
    parser.add_argument("--factors", default=os.environ.get("BENCH_FACTORS", ""),
                        help="growth-curve factors, e.g. 0.1,1,10 (default: 0.1,1,10; quick: 0.1,1)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other databases' runs of bench/out/results.json (measure one database at "
                             "a time, then report them together)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the Markdown report")
    parser.add_argument("--report-only", action="store_true",
                        help="only rewrite the Markdown report from the last run's bench/out/results.json")
    opts = parser.parse_args(argv)
    opts.reps = 1 if opts.quick else 3
    if opts.factors:
        opts.factors = tuple(sorted({float(f) for f in opts.factors.split(",") if f} | {1.0}))
    else:
        opts.factors = tuple(f for f in GROWTH_FACTORS if not (opts.quick and f > 1))
    return opts


def flask(env: dict, *args: str, timeout: float = 1800) -> float:
    """Run a flask command against the benchmark's database; return its wall time."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "bench.app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def server_env(url: str, secret: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP", "FLASK_DEBUG")}
    env.update({"DATABASE_URL": url, "ANTICAFE_ENV": "production", "SECRET_KEY": secret,
                "RATELIMIT_ENABLED": "false", "VENUE_CAPACITY": str(VENUE_CAPACITY), "PYTHONPATH": str(ROOT)})
    return env


def prep_app(url: str, secret: str):
    from anticafe import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "ENV_NAME": "production",
                       "RATELIMIT_ENABLED": False, "VENUE_CAPACITY": VENUE_CAPACITY})


def available(app, scenario: Scenario) -> bool:
    """Tell whether the app on main serves this scenario's feature."""
    if scenario.rule is not None and not any(rule.rule == scenario.rule for rule in app.url_map.iter_rules()):
        return False
    if scenario.needs is not None:
        with app.app_context():
            return scenario.needs()
    return True


def load(server: Gunicorn, job: dict, work: Path, *, concurrency: int, max_requests: int,
         max_seconds: float) -> dict:
    """Run the load generator in its own process against `server`; return its result."""
    job = {"host": "127.0.0.1", "port": server.port, "concurrency": concurrency, "max_requests": max_requests,
           "max_seconds": max_seconds, **job}
    job_file, result_file = work / "job.json", work / "result.json"
    job_file.write_text(json.dumps(job))
    result_file.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "bench.client", str(job_file), str(result_file)], cwd=ROOT, check=True,
                   timeout=max_seconds + 180)
    return json.loads(result_file.read_text())


def median_of(reps: list[dict]) -> dict:
    """Each figure's median over the repetitions."""
    figures = {key: statistics.median(r[key] for r in reps) for key in ("rps", "p50", "p95", "p99", "max")}
    statuses: dict[str, int] = {}
    values: dict[str, int] = {}
    for r in reps:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
        for k, v in r.get("values", {}).items():
            values[k] = values.get(k, 0) + v
    return {**figures, "count": sum(r["count"] for r in reps), "failures": sum(r["failures"] for r in reps),
            "statuses": statuses, "values": values, "samples": [s for r in reps for s in r["samples"]][:5]}


def run_database(backend: str, opts, report: dict, work: Path) -> None:
    """Seed, serve and measure one database kind; fill report["runs"][backend]."""
    entry = report["runs"].setdefault(backend, {"scenarios": {}, "seed_seconds": {}, "growth": {},
                                                "memory_mb": {}, "notes": {}})
    with databases(backend, work / backend) as dbs:
        url = dbs.create("year")
        secret = secrets.token_hex(32)
        env = server_env(url, secret)
        log(f"{backend}: migrating and seeding one year (factor 1)")
        flask(env, "db", "upgrade")
        entry["seed_seconds"]["1"] = round(flask(env, "seed-scale"), 1)
        log(f"{backend}: seeded in {entry['seed_seconds']['1']} s")
        app = prep_app(url, secret)
        ctx = Ctx(backend, opts.reps, opts.requests, opts.seconds)
        wanted = {k for k in opts.only.split(",") if k}
        active = [s for s in SCENARIOS if available(app, s)
                  and (not wanted or s.key in wanted or s.server != "app")]
        entry["skipped"] = [s.key for s in SCENARIOS if not available(app, s)]
        with app.app_context():
            from anticafe.extensions import db

            for scenario in active:
                if scenario.prepare:
                    scenario.prepare(ctx)
                    db.session.commit()
            db.session.remove()
            db.engine.dispose()
        servers = {"app": Gunicorn("wsgi:app", env, work / f"{backend}-app.log"),
                   "bare": Gunicorn("bench.ceilings:bare()", env, work / f"{backend}-bare.log", health="/ping"),
                   "checkin": Gunicorn("bench.ceilings:checkin()", env, work / f"{backend}-checkin.log")}
        try:
            for server in servers.values():
                server.start()
            ctx.data["server_url"] = servers["app"].url
            if not opts.no_growth and 1.0 in opts.factors:
                entry["growth"]["1"] = measure_growth(servers["app"], ctx, active, work, opts)
            reps: dict[str, list] = {s.key: [] for s in active}
            for rep in range(opts.reps):
                for scenario in active:
                    log(f"{backend}: {scenario.key} (repetition {rep + 1} of {opts.reps})")
                    if scenario.before:
                        with app.app_context():
                            scenario.before(ctx, rep)
                    job = scenario.job(ctx, rep)
                    limit = min(job.pop("max_requests", opts.requests), opts.requests)
                    result = load(servers[scenario.server], job, work, concurrency=CONCURRENCY,
                                  max_requests=limit, max_seconds=opts.seconds)
                    log(f"    {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, "
                        f"statuses {result['statuses']}")
                    reps[scenario.key].append(result)
                    ctx.results[scenario.key] = result
                    if scenario.after:
                        with app.app_context():
                            scenario.after(ctx)
            for scenario in active:
                entry["scenarios"][scenario.key] = {"title": scenario.title, "server": scenario.server,
                                                    "expect": list(scenario.expect), "reps": reps[scenario.key],
                                                    **median_of(reps[scenario.key])}
            entry["memory_mb"] = {name: server.peak_memory_mb() for name, server in servers.items()}
        finally:
            for server in servers.values():
                server.stop()
        with app.app_context():
            from anticafe.extensions import db

            for scenario in active:
                if scenario.verify:
                    entry["notes"][scenario.key] = scenario.verify(ctx)
            db.session.remove()
            db.engine.dispose()
        for factor in opts.factors:
            if factor == 1.0 or opts.no_growth or not any(s.growth for s in active):
                continue
            grow(backend, factor, dbs, entry, work, opts)


def measure_growth(server: Gunicorn, ctx: Ctx, active: list[Scenario], work: Path, opts) -> dict:
    """Time each growth scenario with one client, one request after another; return {key: p50 ms}.

    The requests say `Cache-Control: no-cache`, so the figures are counted afresh each time: the curve
    is the database's work as the data grows, not the statistics cache (anticafe/stats/cache.py).
    """
    figures = {}
    for scenario in active:
        if not scenario.growth:
            continue
        job = scenario.job(ctx, 0)
        job["requests"] = [[method, path, {**headers, "Cache-Control": "no-cache"}, body]
                           for method, path, headers, body in job["requests"]]
        job["warmup"] = job["requests"][:2]
        result = load(server, job, work, concurrency=1, max_requests=GROWTH_REQUESTS, max_seconds=600)
        figures[scenario.key] = {"p50": result["p50"], "max": result["max"], "statuses": result["statuses"]}
        log(f"    growth {scenario.key}: {result['p50']:.1f} ms (one client)")
    return figures


def grow(backend: str, factor: float, dbs: Databases, entry: dict, work: Path, opts) -> None:
    """Seed a year at `factor` in a new database and time the statistics on it."""
    url = dbs.create(f"factor{str(factor).replace('.', '_')}")
    try:
        secret = secrets.token_hex(32)
        env = server_env(url, secret)
        log(f"{backend}: seeding factor {factor:g} for the growth curve")
        flask(env, "db", "upgrade")
        entry["seed_seconds"][f"{factor:g}"] = round(flask(env, "seed-scale", "--factor", str(factor)), 1)
        log(f"{backend}: seeded factor {factor:g} in {entry['seed_seconds'][f'{factor:g}']} s")
        app = prep_app(url, secret)
        ctx = Ctx(backend, 1, GROWTH_REQUESTS, 600)
        growth = [s for s in SCENARIOS if s.growth and available(app, s)]
        with app.app_context():
            from anticafe.extensions import db

            for scenario in growth:
                if scenario.prepare:
                    scenario.prepare(ctx)
                    db.session.commit()
            db.session.remove()
            db.engine.dispose()
        with Gunicorn("wsgi:app", env, work / f"{backend}-factor{factor:g}.log") as server:
            entry["growth"][f"{factor:g}"] = measure_growth(server, ctx, growth, work, opts)
    finally:
        dbs.drop(url)


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "platform": platform.platform()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
        info["load_before"] = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        pass
    return info


def versions() -> dict:
    import sqlite3
    from importlib.metadata import version

    from tests.pgserver import PG_BIN

    found = {"Python": platform.python_version(), "SQLite": sqlite3.sqlite_version}
    for package in ("Flask", "SQLAlchemy", "Flask-SQLAlchemy", "gunicorn", "psycopg", "Werkzeug", "pydantic"):
        found[package] = version(package)
    try:
        text = subprocess.run([str(PG_BIN / "postgres"), "--version"], capture_output=True, text=True,
                              timeout=10).stdout
        found["PostgreSQL"] = (re.search(r"\d+\.\d+", text) or re.search(r".*", text)).group(0)
    except OSError:
        found["PostgreSQL"] = "not installed"
    return found


def main(argv=None) -> int:
    opts = options(argv)
    from .report import write_report

    if opts.report_only:
        write_report(json.loads((OUT / "results.json").read_text()), opts.results)
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="anticafe-bench-"))
    report = {"started": datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine(),
              "versions": versions(), "mode": "quick" if opts.quick else "full", "reps": opts.reps,
              "concurrency": CONCURRENCY, "seconds": opts.seconds, "requests": opts.requests, "warmup": WARMUP,
              "factors": list(opts.factors), "runs": {}}
    backends = [b for b in opts.databases.split(",") if b]
    if opts.merge and (OUT / "results.json").exists():
        earlier = json.loads((OUT / "results.json").read_text())
        report["runs"] = {b: run for b, run in earlier.get("runs", {}).items() if b not in backends}
        report["factors"] = sorted(set(report["factors"]) | set(earlier.get("factors", [])))
    began = time.perf_counter()
    try:
        for backend in backends:
            run_database(backend, opts, report, work)
            report["runs"][backend]["started"] = report["started"]
            report["runs"][backend]["load_before"] = report["machine"].get("load_before", [])
    finally:
        report["minutes"] = round((time.perf_counter() - began) / 60, 1)
        (OUT / "results.json").write_text(json.dumps(report, indent=1))
        for log_file in work.glob("*.log"):
            (OUT / log_file.name).write_bytes(log_file.read_bytes())
        remove_folder(work)
    write_report(report, opts.results)
    log(f"done in {report['minutes']} min: {opts.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
