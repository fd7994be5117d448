"""Password reset by email: the same answer for unknown addresses, a single-use one-hour link stored hashed,
the mail in the person's language through the outbox, limits, and every session and token ending."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from anticafe.accounts.models import PasswordReset
from anticafe.db import utcnow
from anticafe.extensions import db
from anticafe.notifications.models import Notification
from anticafe.notifications.services import deliver_pending

NEW = "kotik-na-okne-7"


def ask(client, email, address="10.0.0.1"):
    return client.post("/api/v1/auth/password-reset", json={"email": email}, environ_base={"REMOTE_ADDR": address})


def token_of(note: Notification) -> str:
    return re.search(r"/password/reset/([\w-]+)$", note.link).group(1)


def outbox(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == "password_reset")))


def test_the_same_202_whether_or_not_the_email_has_an_account(client, make_user):
    user = make_user(email="lena@example.org")
    known, unknown = ask(client, "Lena@Example.org"), ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 202
    assert known.get_data() == unknown.get_data()
    assert len(outbox(user)) == 1
    assert ask(client, "not an email").status_code == 202
    assert ask(client, "x" * 300).status_code == 422


def test_the_link_is_stored_hashed_and_works_once(client, make_user):
    user = make_user()
    ask(client, user.email)
    token = token_of(outbox(user)[0])
    stored = db.session.scalars(select(PasswordReset)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert stored.expires_at - stored.created_at == timedelta(hours=1)
    weak = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": "12345678"})
    assert weak.status_code == 422
    done = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW})
    assert done.status_code == 200
    again = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW + "x"})
    assert again.status_code == 400 and again.json["error"]["code"] == "reset_invalid"
    assert client.post("/api/v1/auth/token", json={"email": user.email, "password": NEW}).status_code == 200
    assert client.post("/api/v1/auth/token", json={"email": user.email, "password": "password123"}).status_code == 401


def test_an_hour_old_link_is_refused(client, make_user):
    user = make_user()
    ask(client, user.email)
    token = token_of(outbox(user)[0])
    reset = db.session.scalars(select(PasswordReset)).one()
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/password/reset/{token}").status_code == 400
    response = client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW})
    assert response.status_code == 400


def test_a_reset_ends_every_session_and_token(app, client, make_user, token_for):
    user = make_user()
    browser = app.test_client()
    browser.post("/login", data={"email": user.email, "password": "password123", "remember": "y"})
    headers = token_for(user)
    ask(client, user.email)
    ask(client, user.email)  # two links: using one voids the other
    first, second = (token_of(n) for n in outbox(user))
    confirm = client.post("/api/v1/auth/password-reset/confirm", json={"token": second, "password": NEW})
    assert confirm.status_code == 200
    assert browser.get("/profile").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/password-reset/confirm", json={"token": first, "password": NEW}).status_code == 400


def test_the_forms_walk_through(client, make_user):
    user = make_user()
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in login
    sent = client.post("/password/forgot", data={"email": user.email})
    assert sent.status_code == 200 and "Проверьте почту" in sent.get_data(as_text=True)
    assert client.post("/password/forgot", data={"email": "nobody@example.org"}).status_code == 200
    token = token_of(outbox(user)[0])
    assert client.get(f"/password/reset/{token}").status_code == 200
    mismatch = client.post(f"/password/reset/{token}", data={"password": NEW, "password2": NEW + "x"})
    assert mismatch.status_code == 422
    done = client.post(f"/password/reset/{token}", data={"password": NEW, "password2": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert client.get(f"/password/reset/{token}").status_code == 400


@pytest.mark.parametrize("locale, subject", [("ru", "Новый пароль для вашей учётной записи"),
                                             ("en", "A new password for your account")])
def test_the_mail_goes_in_the_person_s_language_even_with_event_emails_off(app, client, make_user, smtp_server,
                                                                          locale, subject):
    app.config.update(smtp_server.config, PUBLIC_BASE_URL="https://cafe.example")
    user = make_user(locale=locale, email_notifications=False)
    ask(client, user.email)
    assert deliver_pending() == (1, 0)
    [message] = smtp_server.messages
    assert message["Subject"] == subject and message["To"] == user.email
    link = re.search(r"https://cafe\.example/password/reset/[\w-]+", message.get_content()).group(0)
    # Once mailed, the outbox keeps no usable link.
    db.session.expire_all()
    assert outbox(user)[0].link is None
    assert client.get(link.removeprefix("https://cafe.example")).status_code == 200


@pytest.fixture
def limited(app):
    app.config.update(RATELIMIT_ENABLED=True, PASSWORD_RESET_LIMIT_PER_ADDRESS="4 per hour",
                      PASSWORD_RESET_LIMIT_PER_ACCOUNT="2 per hour")


def test_requests_are_limited_per_address_and_per_account(client, make_user, limited):
    user = make_user()
    for _ in range(3):
        assert ask(client, user.email, address=f"10.0.1.{_}").status_code == 202
    assert len(outbox(user)) == 2  # the account's limit: quietly no third mail, the same answer
    for n in range(4):
        assert ask(client, f"nobody{n}@example.org", address="10.0.2.1").status_code == 202
    refused = ask(client, "nobody@example.org", address="10.0.2.1")
    assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_requests"
