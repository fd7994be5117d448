"""Sessions that end: logout on the server, remember-me per login, password change, log out everywhere,
the API's logout and password change; password rules; a minor's birth date and guardian."""

from datetime import date

import pytest
from flask.testing import FlaskClient

from anticafe.accounts.models import ApiToken, LoginSession
from anticafe.extensions import db


def cookies_of(client) -> dict[str, str]:
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def client_with(app, cookies: dict[str, str]) -> FlaskClient:
    """A new browser holding a copy of these cookies."""
    other = app.test_client()
    for key, value in cookies.items():
        other.set_cookie(key, value)
    return other


def opens_profile(client) -> bool:
    return client.get("/profile").status_code == 200


def test_logout_ends_the_session_and_the_remember_me_cookie_on_the_server(app, client, make_user):
    user = make_user()
    login = client.post("/login", data={"email": user.email, "password": "password123", "remember": "y"})
    assert login.status_code == 302
    copied = cookies_of(client)
    assert {"session", "remember_token"} <= set(copied)
    assert opens_profile(client_with(app, copied))
    assert opens_profile(client_with(app, {"remember_token": copied["remember_token"]}))
    client.post("/logout")
    assert not opens_profile(client)
    # Copies of the cookies (a shared door phone, a stolen cookie) open nothing either.
    assert not opens_profile(client_with(app, copied))
    assert not opens_profile(client_with(app, {"remember_token": copied["remember_token"]}))


def test_the_remember_me_cookie_changes_with_each_login(app, make_user):
    user = make_user()
    seen = set()
    for _ in range(2):
        browser = app.test_client()
        browser.post("/login", data={"email": user.email, "password": "password123", "remember": "y"})
        remembered = cookies_of(browser)["remember_token"]
        seen.add(remembered)
        assert remembered.split("|")[0] != str(user.id)
    assert len(seen) == 2


def test_a_password_change_ends_other_sessions_and_tokens_but_keeps_this_one(app, client, auth, make_user,
                                                                           token_for):
    user = make_user()
    other_phone = app.test_client()
    other_phone.post("/login", data={"email": user.email, "password": "password123"})
    headers = token_for(user)
    auth.login(user)
    response = client.post("/profile/password", data={"pw-current_password": "password123",
                                                      "pw-password": "kotik-na-okne-7",
                                                      "pw-password2": "kotik-na-okne-7"})
    assert response.status_code == 302
    assert opens_profile(client)
    assert not opens_profile(other_phone)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert db.session.query(ApiToken).filter(ApiToken.revoked_at.is_(None)).count() == 0


def test_log_out_everywhere(app, client, auth, make_user):
    user = make_user()
    phones = [app.test_client() for _ in range(2)]
    for phone in phones:
        phone.post("/login", data={"email": user.email, "password": "password123", "remember": "y"})
    auth.login(user)
    page = client.get("/profile", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "3 devices" in page and "Log out everywhere" in page
    assert client.post("/profile/sessions/end").status_code == 302
    assert not opens_profile(client)
    assert not any(opens_profile(phone) for phone in phones)
    assert db.session.query(LoginSession).filter(LoginSession.ended_at.is_(None)).count() == 0


def test_api_logout_revokes_the_token_it_is_called_with(client, make_user, token_for):
    user = make_user()
    headers, other = token_for(user), token_for(user)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=other).status_code == 200


def test_api_logout_with_the_session_ends_it(client, auth, make_user):
    auth.login(make_user())
    assert client.post("/api/v1/auth/logout").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_api_password_change_answers_a_fresh_token_and_revokes_the_old_ones(app, client, make_user, token_for):
    user = make_user()
    headers, other = token_for(user), token_for(user)
    browser = app.test_client()
    browser.post("/login", data={"email": user.email, "password": "password123"})
    wrong = client.post("/api/v1/me/password", headers=headers,
                        json={"current_password": "nope", "new_password": "kotik-na-okne-7"})
    assert wrong.status_code == 422 and "current_password" in wrong.json["error"]["fields"]
    weak = client.post("/api/v1/me/password", headers=headers,
                       json={"current_password": "password123", "new_password": "qwerty123"})
    assert weak.status_code == 422 and "password" in weak.json["error"]["fields"]
    response = client.post("/api/v1/me/password", headers=headers,
                           json={"current_password": "password123", "new_password": "kotik-na-okne-7"})
    assert response.status_code == 200
    fresh = {"Authorization": f"Bearer {response.json['token']}"}
    assert client.get("/api/v1/me", headers=fresh).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert not opens_profile(browser)
    again = client.post("/api/v1/auth/token", json={"email": user.email, "password": "kotik-na-okne-7"})
    assert again.status_code == 200


@pytest.mark.parametrize("password, problem", [
    ("12345678", "among the most common"),
    ("        ", "at least 8 characters"),
    ("1234567 ", "at least 8 characters"),
    ("aaaaaaaaaa", "among the most common"),
    ("Vasilisa2010", "name or email"),
    ("vasya.petrova@example.org", "name or email"),
])
def test_weak_and_personal_passwords_are_refused_at_sign_up(client, password, problem):
    response = client.post("/api/v1/users", headers={"Accept-Language": "en"}, json={
        "name": "Vasilisa Petrova", "email": "vasya.petrova@example.org", "password": password,
        "birth_date": "2008-05-05", "consent": True})
    assert response.status_code == 422
    assert problem in " ".join(response.json["error"]["fields"]["password"])


@pytest.fixture
def minor(make_user):
    from anticafe.timeutil import venue_today

    today = venue_today()
    return make_user(birth_date=date(today.year - 12, 1, 1), guardian_name="Мама", guardian_phone="+79120000000")


def test_a_minor_cannot_change_birth_date_or_guardian(client, auth, minor):
    auth.login(minor)
    page = client.get("/profile", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'name="birth_date"' not in page and "Only the café staff can change" in page
    response = client.post("/profile", data={"name": "Новое имя", "birth_date": "2000-01-01", "guardian_name": "",
                                             "guardian_phone": "", "locale": "", "email_notifications": "y"})
    assert response.status_code == 302
    db.session.refresh(minor)
    assert minor.name == "Новое имя" and minor.birth_date.year != 2000 and minor.guardian_name == "Мама"


def test_the_service_refuses_a_minor_s_own_change(app, minor):
    from anticafe.accounts import services
    from anticafe.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        services.update_profile(minor, name=minor.name, phone=None, birth_date=date(2000, 1, 1),
                                guardian_name=None, guardian_phone=None, locale=None, email_notifications=True)
    assert set(refused.value.fields) == {"birth_date", "guardian_name", "guardian_phone"}


def test_staff_change_a_minor_s_birth_date_and_guardian(client, auth, make_user, minor):
    auth.login(make_user("staff"))
    board = client.get("/visits/", query_string={"q": minor.name}).get_data(as_text=True)
    assert f'href="/staff/people/{minor.id}/minor"' in board
    assert client.get(f"/staff/people/{minor.id}/minor").status_code == 200
    response = client.post(f"/staff/people/{minor.id}/minor", data={
        "birth_date": "2001-02-03", "guardian_name": "", "guardian_phone": ""})
    assert response.status_code == 302
    db.session.refresh(minor)
    assert minor.birth_date == date(2001, 2, 3) and minor.guardian_name is None
    # Still under the rules: an under-14 needs a guardian.
    bad = client.post(f"/staff/people/{minor.id}/minor", data={"birth_date": "2020-02-03", "guardian_name": "",
                                                              "guardian_phone": ""})
    assert bad.status_code == 422


def test_a_login_session_lasts_login_session_days(app, client, make_user):
    from datetime import timedelta

    from anticafe.db import utcnow

    user = make_user()
    client.post("/login", data={"email": user.email, "password": "password123", "remember": "y"})
    assert opens_profile(client)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=app.config["LOGIN_SESSION_DAYS"])
    row = db.session.query(LoginSession).one()
    row.created_at = utcnow() - timedelta(days=app.config["LOGIN_SESSION_DAYS"], seconds=1)
    db.session.commit()
    assert not opens_profile(client)
    # The next login clears the person's ended and expired sessions.
    app.test_client().post("/login", data={"email": user.email, "password": "password123"})
    assert db.session.query(LoginSession).count() == 1
