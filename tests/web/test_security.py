"""Security basics: headers, CSRF, cookies, the production secret key, login rate limits."""

import re

import pytest
from conftest import TEST_CONFIG

from anticafe import create_app


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("key", [None, "", "dev-only-insecure-key", "short"])
def test_production_refuses_a_weak_secret_key(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({**TEST_CONFIG, "ENV_NAME": "production", "SECRET_KEY": key,
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_cookie_settings():
    app = create_app({**TEST_CONFIG, "ENV_NAME": "production", "SECRET_KEY": "x" * 32,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://", "SESSION_COOKIE_SECURE": True})
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}


def test_forms_need_a_csrf_token(client, make_user):
    make_user(email="lena@example.org")
    response = client.post("/login", data={"email": "lena@example.org", "password": "password123"})
    assert response.status_code == 400


def test_session_api_calls_need_csrf_but_bearer_calls_do_not(client, auth, make_user, token_for):
    user = make_user()
    auth.login(user)
    assert client.post("/api/v1/auth/token", json={"email": "x@example.org", "password": "y"}).status_code == 400
    auth.logout()
    assert client.post("/api/v1/auth/token", json={"email": "x@example.org", "password": "y"}).status_code == 401


def test_login_attempts_are_rate_limited_per_account(app, client, make_user):
    make_user(email="lena@example.org")
    for _ in range(3):
        response = client.post("/api/v1/auth/token", json={"email": "lena@example.org", "password": "wrong"},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{_}"})
        assert response.status_code == 401
    blocked = client.post("/api/v1/auth/token", json={"email": "LENA@example.org", "password": "wrong"},
                          environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert blocked.status_code == 429
    assert blocked.json["error"]["code"] == "too_many_requests"


def test_login_attempts_are_rate_limited_per_address(app, client):
    for n in range(3):
        client.post("/api/v1/auth/token", json={"email": f"p{n}@example.org", "password": "wrong"})
    assert client.post("/api/v1/auth/token", json={"email": "p9@example.org", "password": "x"}).status_code == 429


def csrf_token_from(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_login_form_is_rate_limited(client):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    for n in range(3):
        wrong = client.post("/login", data={"email": f"p{n}@example.org", "password": "x", "csrf_token": token})
        assert wrong.status_code == 422
    response = client.post("/login", data={"email": "p@example.org", "password": "x", "csrf_token": token},
                           headers={"Accept-Language": "ru"})
    assert response.status_code == 429
    assert "Слишком много попыток" in response.get_data(as_text=True)
