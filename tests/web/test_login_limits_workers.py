"""Login limits shared by every worker: gunicorn with 2 workers behind a (pretend) proxy, on both databases.

The app trusts one proxy (TRUSTED_PROXIES=1), so the client's address comes from X-Forwarded-For, as
behind nginx. Each request may land on either worker; the counters live in the database.
"""

from collections import Counter

import pytest
from races import at_once, post_json, server_env

from bench.servers import Gunicorn

pytestmark = pytest.mark.concurrency


@pytest.fixture
def gunicorn(app, db_url, tmp_path):
    """Serve the test's database with gunicorn (2 sync workers), trusting one proxy."""
    env = server_env(app, db_url, TRUSTED_PROXIES="1", RATELIMIT_ENABLED="true")
    with Gunicorn("wsgi:app", env, tmp_path / "gunicorn.log") as server:
        assert len(server.worker_pids()) == 2
        yield server


def token(server, email: str, password: str, address: str) -> int:
    status, _ = post_json(f"{server.url}/api/v1/auth/token", {"X-Forwarded-For": address},
                          {"email": email, "password": password})
    return status


def test_a_cafe_a_guesser_and_the_owner_elsewhere(gunicorn, make_user):
    """40 people behind the café's one address all get in; 15 wrong guesses for one account from one
    address are cut at 10; the owner then logs in from another address."""
    cafe = "203.0.113.50"
    people = [make_user(email=f"teen{n}@example.org").email for n in range(40)]
    owner = make_user(email="owner@example.org").email
    results = at_once([lambda email=email: token(gunicorn, email, "password123", cafe) for email in people])
    assert results == [200] * 40

    guesses = [token(gunicorn, owner, f"guess-{n}", "198.51.100.66") for n in range(15)]
    assert guesses == [401] * 10 + [429] * 5
    # The cafe's address is still open for everyone else, and the owner gets in from home.
    assert token(gunicorn, people[0], "password123", cafe) == 200
    assert token(gunicorn, owner, "password123", "192.0.2.10") == 200


def test_racing_guesses_on_both_workers_get_ten_tries_in_all(gunicorn, make_user):
    owner = make_user(email="target@example.org").email
    results = at_once([lambda n=n: token(gunicorn, owner, f"guess-{n}", "198.51.100.7") for n in range(24)])
    counts = Counter(results)
    assert set(counts) <= {401, 429}
    # At most the limit's ten failures are checked, however the requests spread over the workers.
    assert 1 <= counts[401] <= 10 and counts[401] + counts[429] == 24
    assert token(gunicorn, owner, "guess-last", "198.51.100.7") == 429
