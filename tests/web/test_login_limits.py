"""Login, sign-up and reset limits: failures only, per account+address, per address, per account;
the form and the API share the counters; known and unknown emails cost the same."""

import re

import pytest
from sqlalchemy import select

from anticafe.accounts import services, throttle
from anticafe.accounts.models import ThrottleHit
from anticafe.extensions import db


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "5 per minute",
            "LOGIN_LIMIT_PER_ADDRESS": "8 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "7 per minute",
            "SIGNUP_LIMIT_PER_ADDRESS": "3 per hour"}


def api_login(client, email, password, address="10.0.0.1"):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def form_login(client, email, password, address="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_successful_logins_do_not_count(client, make_user):
    users = [make_user() for _ in range(12)]
    for user in users:  # more than every limit, from one address
        assert api_login(client, user.email, "password123").status_code == 200
    assert db.session.scalar(select(db.func.count(ThrottleHit.id))) == 0


def test_failures_for_one_account_from_one_address_are_cut_and_the_owner_gets_in_elsewhere(client, make_user):
    user = make_user(email="lena@example.org")
    for n in range(5):
        assert api_login(client, "lena@example.org", f"wrong{n}").status_code == 401
    blocked = api_login(client, "LENA@example.org ", "password123")
    assert blocked.status_code == 429 and blocked.json["error"]["code"] == "too_many_requests"
    assert api_login(client, user.email, "password123", address="10.9.9.9").status_code == 200
    # Someone else at the guessing address is not locked out either.
    assert api_login(client, make_user().email, "password123").status_code == 200


def test_the_form_and_the_api_share_the_counters(client, make_user):
    user = make_user()
    for n in range(3):
        assert form_login(client, user.email, f"wrong{n}").status_code == 422
    for n in range(2):
        assert api_login(client, user.email, f"wrong{n}").status_code == 401
    assert api_login(client, user.email, "password123").status_code == 429
    page = form_login(client, user.email, "password123", address="10.0.0.1")
    assert page.status_code == 429
    assert "Слишком много попыток" in page.get_data(as_text=True)


def test_the_form_says_so_in_russian(client, make_user):
    user = make_user()
    for n in range(5):
        form_login(client, user.email, f"wrong{n}")
    page = client.post("/login", data={"email": user.email, "password": "x"}, headers={"Accept-Language": "ru"},
                       environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert page.status_code == 429 and "Слишком много попыток" in page.get_data(as_text=True)


def test_one_address_guessing_many_accounts_is_cut(client, make_user):
    for n in range(8):
        assert api_login(client, f"nobody{n}@example.org", "x").status_code == 401
    assert api_login(client, make_user().email, "password123").status_code == 429
    assert api_login(client, make_user().email, "password123", address="10.0.0.2").status_code == 200


def test_a_spread_attack_on_one_account_meets_the_ceiling(client, make_user):
    user = make_user()
    for n in range(7):
        assert api_login(client, user.email, "x", address=f"10.1.0.{n}").status_code == 401
    assert api_login(client, user.email, "password123", address="10.2.0.1").status_code == 429


def test_unknown_and_known_emails_check_one_password_hash(client, make_user, monkeypatch):
    """An unknown email costs one password check too, so timing does not tell who has an account."""
    from anticafe.accounts import models

    user = make_user()
    checks = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: checks.append("dummy") or real(h, p))
    monkeypatch.setattr(models, "check_password_hash", lambda h, p: checks.append("real") or real(h, p))
    api_login(client, user.email, "wrong")
    api_login(client, "nobody@example.org", "wrong")
    assert checks == ["real", "dummy"]


def test_unknown_emails_take_as_long_as_known_ones(client, make_user, app):
    """Measured with a slow hash: an unknown email is not answered much faster than a known one."""
    import time

    app.config.update(PASSWORD_HASH_METHOD="pbkdf2:sha256:150000", RATELIMIT_ENABLED=False)
    user = make_user()

    def median(email):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            api_login(client, email, "wrong")
            times.append(time.perf_counter() - start)
        return sorted(times)[2]

    known, unknown = median(user.email), median("nobody@example.org")
    assert unknown > known * 0.6, (known, unknown)


def test_counters_store_no_email_or_address(client, make_user):
    api_login(client, "lena@example.org", "wrong", address="203.0.113.9")
    buckets = db.session.scalars(select(ThrottleHit.bucket)).all()
    assert len(buckets) == 3
    assert all(re.fullmatch(r"[0-9a-f]{64}", b) for b in buckets)


def test_sign_ups_are_limited_per_address_and_invalid_ones_do_not_count(client):
    def sign_up(n, address="10.3.0.1", password="kotik-na-okne-7"):
        return client.post("/api/v1/users", json={
            "name": f"Ученик {n}", "email": f"pupil{n}@example.org", "password": password,
            "birth_date": "2008-05-05", "consent": True}, environ_base={"REMOTE_ADDR": address})

    assert sign_up(0, password="12345678").status_code == 422
    for n in range(3):
        assert sign_up(n).status_code == 201
    refused = sign_up(9)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_requests"
    assert sign_up(9, address="10.3.0.2").status_code == 201


def test_a_class_of_thirty_signs_up_from_one_school_address_with_the_defaults(client, app):
    from config import Config

    app.config["SIGNUP_LIMIT_PER_ADDRESS"] = Config.SIGNUP_LIMIT_PER_ADDRESS
    for n in range(30):
        response = client.post("/api/v1/users", json={
            "name": f"Ученик {n}", "email": f"class{n}@example.org", "password": "kotik-na-okne-7",
            "birth_date": "2008-05-05", "consent": True}, environ_base={"REMOTE_ADDR": "10.4.0.1"})
        assert response.status_code == 201, n


def test_a_limits_storage_counts_failures_only_too(app):
    """RATELIMIT_STORAGE_URI (redis://... in production) goes through the `limits` package."""
    store = throttle.StorageThrottle("memory://")
    checks = [("login:pair:a|b", "2 per minute")]
    for _ in range(5):  # successes: checked, never counted
        attempt = store.attempt(checks)
        store.forget(attempt)
    for _ in range(2):
        store.keep(store.attempt(checks))
    assert store.attempt(checks) is None
    assert store.attempt([("login:pair:a|c", "2 per minute")]) is not None


def test_windows_longer_than_a_day_are_refused():
    with pytest.raises(ValueError):
        throttle.parse_limits("5 per week")
