"""Profile one scenario in-process with pyinstrument: where does a request's time go?

    python -m bench.profile SCENARIO --database-url sqlite:////tmp/year.sqlite3 [-n 200] [--seed]

Runs the scenario's preparation and then its requests one after another through Flask's test client
(no gunicorn, no concurrency: the pure cost of the code), printing the mean wall and CPU time per
request, the queries per request and, with --tree, pyinstrument's call tree. `--seed` migrates and
seeds an empty database first.
"""

import argparse
import json
import secrets
import statistics
import subprocess
import sys
import time

from sqlalchemy import event

from .run import ROOT, prep_app, server_env
from .scenarios import SCENARIOS, Ctx


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=[s.key for s in SCENARIOS if s.server != "bare"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("-n", type=int, default=200, help="requests to profile")
    parser.add_argument("--seed", action="store_true", help="migrate and seed the (empty) database first")
    parser.add_argument("--tree", action="store_true", help="profile with pyinstrument and print the call tree "
                        "(the timings then include the profiler's overhead)")
    parser.add_argument("--fresh", action="store_true", help="send `Cache-Control: no-cache` (statistics counted "
                        "afresh, as the growth curve measures them)")
    parser.add_argument("--html", help="with --tree: also write pyinstrument's HTML report here")
    opts = parser.parse_args(argv)
    from pyinstrument import Profiler

    secret = secrets.token_hex(32)
    if opts.seed:
        env = server_env(opts.database_url, secret)
        for args in (["db", "upgrade"], ["seed-scale"]):
            subprocess.run([sys.executable, "-m", "flask", "--app", "bench.app", *args], cwd=ROOT, env=env, check=True)
    scenario = next(s for s in SCENARIOS if s.key == opts.scenario)
    app = prep_app(opts.database_url, secret)
    ctx = Ctx("profile", 1, opts.n, 600)
    from anticafe.extensions import db

    first = next(s for s in SCENARIOS if s.key == "checkin_first")
    repeat = scenario.key == "checkin_repeat"
    with app.app_context():
        (first if repeat else scenario).prepare and (first if repeat else scenario).prepare(ctx)
        db.session.commit()
        if scenario.key == "calendar_ics_304":  # the served run asks the server for the ETag
            ctx.data["ics_etag"] = app.test_client().get("/calendar.ics").headers["ETag"]
        if scenario.after:  # what an earlier profile run left behind (open visits of the guest cards)
            scenario.after(ctx)
        if scenario.before:  # e.g. the guest cards' people inside, so that half the scans are stops
            scenario.before(ctx, 0)
        db.session.commit()
        job = scenario.job(ctx, 0)
        engine = db.engine
    warm = first.job(ctx, 0)["requests"][:opts.n] if repeat else []  # tickets scanned once already
    items = job["requests"] if not repeat else warm
    if job.get("cycle"):
        items = (items * (opts.n // max(len(items), 1) + 1))[:opts.n]
    items = items[:opts.n]
    if opts.fresh:
        items = [(method, path, {**headers, "Cache-Control": "no-cache"}, body)
                 for method, path, headers, body in items]
    queries = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def count(*args, **kwargs):
        queries[0] += 1

    if scenario.server == "checkin":
        from .ceilings import checkin

        app = checkin(opts.database_url)
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine
        event.listen(engine, "before_cursor_execute", count)
    client = app.test_client(use_cookies=False)  # the scenario sends its own Cookie header
    statuses: dict[int, int] = {}
    took = []
    cpu = 0.0
    for method, path, headers, body in warm:
        client.open(path, method=method, headers=headers, data=body, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    profiler = Profiler(interval=0.0005)
    for n, (method, path, headers, body) in enumerate(items):
        if n == 5:  # the first requests load templates and caches: measure the steady state
            queries[0] = 0
            if opts.tree:
                profiler.start()
        began, began_cpu = time.perf_counter(), time.process_time()
        answer = client.open(path, method=method, headers=headers, data=body,
                             environ_base={"REMOTE_ADDR": "127.0.0.1"})
        if n >= 5:
            took.append(time.perf_counter() - began)
            cpu += time.process_time() - began_cpu
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    if opts.tree:
        profiler.stop()
    measured = max(len(took), 1)
    print(json.dumps({"scenario": scenario.key, "requests": len(took), "statuses": statuses,
                      "mean_ms": round(statistics.mean(took) * 1000, 2) if took else None,
                      "median_ms": round(statistics.median(took) * 1000, 2) if took else None,
                      "cpu_ms": round(cpu * 1000 / measured, 2),
                      "queries_per_request": round(queries[0] / measured, 1)}))
    if opts.tree:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    if opts.tree and opts.html:
        with open(opts.html, "w") as f:
            f.write(profiler.output_html())
    if scenario.after:  # put the database back, after the count (the board's scenarios count who is inside)
        with app.app_context():
            scenario.after(ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
