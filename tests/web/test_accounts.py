"""Sign-up, login, profile, language and the admin's people page through the HTML views."""

from datetime import date

import pytest
from sqlalchemy import func, select

from anticafe.accounts.models import User
from anticafe.extensions import db


def signup_data(**changes):
    data = {"name": "Маша Петрова", "email": "Masha@Example.org", "phone": "8 912 345 67 89",
            "birth_date": "2005-03-04", "password": "secret-pass", "password2": "secret-pass", "consent": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_signup_creates_account_and_logs_in(client):
    response = client.post("/signup", data=signup_data())
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "masha@example.org"))
    assert user.phone == "+79123456789"
    assert user.role == "visitor"
    assert user.card_code and user.feed_token
    assert client.get("/profile").status_code == 200


@pytest.mark.parametrize(("lang", "message"), [
    ("ru", "Гостям младше 14 лет нужно указать имя и телефон родителя или опекуна."),
    ("en", "Visitors under 14 need a parent&#39;s or guardian&#39;s name and phone."),
])
def test_young_visitor_without_guardian_sees_errors_in_both_languages(client, lang, message):
    before = count_users()
    response = client.post("/signup", data=signup_data(birth_date="2015-01-01"),
                           headers={"Accept-Language": lang})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_users() == before


def test_signup_with_guardian_for_young_visitor(client):
    response = client.post("/signup", data=signup_data(birth_date="2015-01-01", guardian_name="Ольга Петрова",
                                                       guardian_phone="+7 912 000 00 00",
                                                       guardian_email="olga@example.org"))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "masha@example.org"))
    assert user.guardian_phone == "+79120000000"
    # The child's own tick is not consent: the account waits for the guardian.
    assert user.consent_pending and user.guardian_email == "olga@example.org"


@pytest.mark.parametrize(("changes", "field_text"), [
    ({"password2": "different"}, "The passwords do not match."),
    ({"password": "short", "password2": "short"}, "at least 8 characters"),
    ({"consent": None}, "Consent to the processing of personal data is required."),
    ({"email": "not-an-email"}, "Enter a valid email address."),
    ({"birth_date": "2999-01-01"}, "cannot be in the future"),
    ({"birth_date": ""}, "This field is required."),
    ({"phone": "12ab"}, "Enter a phone number"),
])
def test_bad_signup_input_stores_nothing(client, changes, field_text):
    response = client.post("/signup", data=signup_data(**changes), headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert field_text in response.get_data(as_text=True)
    assert count_users() == 0


def test_duplicate_email_is_refused_case_insensitively(client, make_user):
    make_user(email="masha@example.org")
    response = client.post("/signup", data=signup_data(email="MASHA@example.org"), headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "An account with this email already exists." in response.get_data(as_text=True)
    assert count_users() == 1


def test_login_is_case_insensitive_and_remembers(client, make_user):
    make_user(email="lena@example.org", password="password123")
    response = client.post("/login", data={"email": "LENA@Example.org", "password": "password123",
                                           "remember": "y"})
    assert response.status_code == 302
    assert "remember_token" in response.headers.get("Set-Cookie", "") or any(
        "remember_token" in h for h in response.headers.getlist("Set-Cookie"))


def test_wrong_password_is_refused(client, make_user):
    make_user(email="lena@example.org")
    response = client.post("/login", data={"email": "lena@example.org", "password": "nope"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_login_redirects_back_only_inside_the_site(client, make_user):
    make_user(email="lena@example.org")
    ok = client.post("/login?next=/profile", data={"email": "lena@example.org", "password": "password123"})
    assert ok.headers["Location"] == "/profile"
    client.post("/logout")
    evil = client.post("/login?next=//evil.example/", data={"email": "lena@example.org", "password": "password123"})
    assert evil.headers["Location"] == "/"


def test_logout(client, auth, make_user):
    auth.login(make_user())
    client.post("/logout")
    assert client.get("/profile").status_code == 302


def test_profile_edit_and_password_change(client, auth, make_user):
    user = auth.login(make_user(birth_date=date(2000, 1, 1)))
    response = client.post("/profile", data={"name": "Новое Имя", "phone": "+79120001122",
                                             "birth_date": "2000-01-01", "locale": "en",
                                             "email_notifications": ""})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale, user.email_notifications) == ("Новое Имя", "en", False)
    bad = client.post("/profile/password", data={"pw-current_password": "wrong", "pw-password": "newpassword1",
                                                 "pw-password2": "newpassword1"})
    assert bad.status_code == 422
    assert "The current password is not correct." in bad.get_data(as_text=True)
    good = client.post("/profile/password", data={"pw-current_password": "password123",
                                                  "pw-password": "newpassword1", "pw-password2": "newpassword1"})
    assert good.status_code == 302
    db.session.refresh(user)
    assert user.check_password("newpassword1")


def test_language_follows_browser_then_choice(client, make_user):
    assert "Войти" in client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Log in" in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="ru"' in client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    client.post("/lang", data={"lang": "en", "next": "/privacy"})
    assert "Log in" in client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)


def test_language_choice_is_remembered_on_the_account(client, auth, make_user):
    user = auth.login(make_user())
    client.post("/lang", data={"lang": "en"})
    db.session.refresh(user)
    assert user.locale == "en"


def test_admin_finds_people_and_changes_role(client, auth, make_user):
    admin = auth.login(make_user("admin", name="Админ"))
    person = make_user(name="Кирилл Орлов", phone="+79125550000")
    page = client.get("/admin/users?q=кирилл").get_data(as_text=True)
    assert "Кирилл Орлов" in page
    assert "Кирилл Орлов" in client.get("/admin/users?q=5550").get_data(as_text=True)
    client.post(f"/admin/users/{person.id}", data={"role": "staff"})
    db.session.refresh(person)
    assert person.role == "staff"
    client.post(f"/admin/users/{admin.id}", data={"role": "visitor"})
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_create_user_command(runner):
    result = runner.invoke(args=["create-user", "--email", "Boss@Example.org", "--password", "long-password",
                                 "--name", "Босс", "--role", "admin"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert user.role == "admin" and user.birth_date is None
    again = runner.invoke(args=["create-user", "--email", "boss@example.org", "--password", "long-password",
                                "--name", "Босс", "--role", "admin"])
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_seed_demo_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    users = count_users()
    assert users >= 200
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "nothing to do" in second.output
    assert count_users() == users


def test_each_role_lands_where_it_works(client, make_user):
    """Staff land on the door, the committee on the dashboard, admins on the overview, visitors at home."""
    for role, landing in [("staff", "/door"), ("committee", "/stats/"), ("admin", "/admin/"), ("visitor", "/")]:
        make_user(email=f"{role}@example.org", password="secret-password", role=role)
        response = client.post("/login", data={"email": f"{role}@example.org", "password": "secret-password"})
        assert response.status_code == 302 and response.headers["Location"] == landing
        client.post("/logout")


def test_every_menu_endpoint_exists(app):
    """Every section of the menu leads to a real page."""
    from anticafe.navigation import SECTIONS

    endpoints = set(app.view_functions)
    assert {s.endpoint for s in SECTIONS.values()} <= endpoints
