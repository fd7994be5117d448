"""Security basics: headers, caching, HSTS, CSRF, cookies, the production secret key, the proxy."""

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


def test_hsts_in_production_only(db_url):
    production = create_app({**TEST_CONFIG, "ENV_NAME": "production", "SECRET_KEY": "x" * 32,
                             "SQLALCHEMY_DATABASE_URI": db_url})
    response = production.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    development = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": db_url})
    assert "Strict-Transport-Security" not in development.test_client().get("/healthz").headers


def test_private_pages_images_and_api_answers_are_not_stored(client, auth, make_user, token_for):
    user = make_user()
    headers = token_for(user)
    assert client.get("/api/v1/me", headers=headers).headers["Cache-Control"] == "no-store"
    image = client.get(f"/api/v1/users/{user.id}/card.png", headers=headers)
    assert image.status_code == 200 and image.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/nothing-here").headers["Cache-Control"] == "no-store"
    auth.login(user)
    for path in ["/profile", "/my/card", "/notifications/", "/", f"/api/v1/users/{user.id}/card.png"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path
    # Static files keep their own caching.
    assert "no-store" not in client.get("/static/css/app.css").headers["Cache-Control"]


def test_trusted_proxies_give_the_client_address_scheme_and_host(db_url):
    from flask import request

    seen = {}
    for proxies in (0, 1):
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": db_url, "TRUSTED_PROXIES": proxies})

        @app.get("/_who")
        def who(proxies=proxies):
            seen[proxies] = (request.remote_addr, request.scheme, request.host, request.url_root)
            return "ok"

        app.test_client().get("/_who", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={
            "X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "cafe.example"})
    assert seen[0] == ("127.0.0.1", "http", "localhost", "http://localhost/")
    # One proxy: only the address it saw (the last one) counts; what the client wrote before is not trusted.
    assert seen[1] == ("203.0.113.9", "https", "cafe.example", "https://cafe.example/")


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


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
    headers = token_for(user)
    assert client.post("/api/v1/me/notifications/read", headers=headers).status_code == 200


@pytest.mark.parametrize("authorization", ["Bearer x", "Bearer ", "Basic eDp5", "bearer x"])
def test_a_session_call_needs_csrf_whatever_authorization_it_carries(client, auth, make_user, authorization):
    auth.login(make_user())
    response = client.post("/api/v1/me/notifications/read", headers={"Authorization": authorization})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def csrf_token_from(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_session_call_with_the_csrf_header_passes(client, auth, make_user):
    auth.login(make_user())
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    response = client.post("/api/v1/me/notifications/read", headers={"Authorization": "Bearer x", "X-CSRFToken": token})
    assert response.status_code == 200


