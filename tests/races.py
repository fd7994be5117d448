"""Helpers for race tests: JSON requests to a real server, fired from threads released together."""

import json
import os
import sys
import threading
import urllib.error
import urllib.request


def server_env(app, db_url: str, **settings: str) -> dict:
    """The environment of an app server (gunicorn) for the test's database, on the test app's clock.

    The server reads its clock from ANTICAFE_NOW, and the suite's own environment may hold one (`make
    test-clock`) that the test's app does not follow (a test moved its clock, or runs on the wall
    clock): the server gets the test app's setting, or none, never the inherited one.
    """
    env = {key: value for key, value in os.environ.items() if key != "ANTICAFE_NOW"}
    env.update(DATABASE_URL=db_url, SECRET_KEY=app.config["SECRET_KEY"],
               PASSWORD_HASH_METHOD=app.config["PASSWORD_HASH_METHOD"], MAIL_SERVER="",
               RATELIMIT_STORAGE_URI="", PYTHONPATH=os.pathsep.join(sys.path), **settings)
    moment = app.config.get("CLOCK_NOW")
    if moment:
        env["ANTICAFE_NOW"] = moment if isinstance(moment, str) else moment.isoformat()
    return env


def post_json(url: str, headers: dict, body: dict | None = None) -> tuple[int, dict]:
    """POST a JSON body; return (status, parsed JSON answer), error statuses included."""
    request = urllib.request.Request(url, data=json.dumps(body or {}).encode(), method="POST",
                                     headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def at_once(calls) -> list:
    """Run the callables in threads released together by a barrier; return their results in order.

    An exception in any call fails the test (it would otherwise hide as a missing answer).
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # reported by the assertion below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    return results
