"""Passes: pass types, selling and granting, the pages and API, spending and restoring minutes."""

import threading
import time as clock
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from anticafe.db import utcnow
from anticafe.errors import DomainError
from anticafe.extensions import db
from anticafe.passes import services
from anticafe.passes.models import Pass, PassType, PassUse
from anticafe.timeutil import venue_today
from anticafe.visits.models import Visit

RU = {"Accept-Language": "ru"}


def tariff(minutes: int):
    """The café's default tariff as a price callback: passes pay the first k minutes."""

    def price(covered: int) -> Decimal:
        if minutes <= 5:
            return Decimal(0)
        first = max(0, min(minutes, 60) - covered)
        later = max(0, minutes - max(60, covered))
        return min(Decimal(3 * first + 2 * later), Decimal(600))

    return price


@pytest.fixture
def make_type(app):
    def make(name="10 часов", kind="package", minutes=600, validity_days=60, price=Decimal(1500), **fields):
        data = services.PassTypeData(name=name, kind=kind, minutes=minutes, validity_days=validity_days,
                                     price=price, **fields)
        pass_type = services.save_pass_type(data)
        db.session.commit()
        return pass_type

    return make


@pytest.fixture
def make_visit(app):
    def make(user, minutes: int = 90) -> Visit:
        end = utcnow()
        visit = Visit(user_id=user.id, status="stopped", started_at=end - timedelta(minutes=minutes), ended_at=end,
                      billed_minutes=minutes)
        db.session.add(visit)
        db.session.commit()
        return visit

    return make


def sell(pass_type, holder, staff, **kw):
    kw.setdefault("payment_method", "cash" if pass_type.price > 0 else None)
    issued = services.issue_pass(holder=holder, pass_type=pass_type, by=staff, **kw)
    db.session.commit()
    return issued


# ------------------------------------------------------------------------------------------------
# Pass types


def test_admin_defines_pass_types_in_the_form(client, auth, make_user):
    auth.login(make_user("admin"))
    response = client.post("/admin/pass-types/new", data={
        "name": "10 часов", "kind": "package", "hours": "10", "validity_days": "60", "price": "1500",
        "staff_may_issue": "y", "active": "y"})
    assert response.status_code == 302
    package = db.session.scalar(select(PassType).where(PassType.name == "10 часов"))
    assert (package.minutes, package.validity_days, package.price) == (600, 60, Decimal("1500.00"))
    response = client.post("/admin/pass-types/new", data={
        "name": "Соцпрограмма", "kind": "allowance", "hours": "7,5", "price": "999", "committee_may_issue": "y",
        "staff_may_issue": "y", "active": "y"})
    assert response.status_code == 302
    allowance = db.session.scalar(select(PassType).where(PassType.kind == "allowance"))
    assert (allowance.minutes, allowance.price, allowance.validity_days) == (450, Decimal(0), None)
    listing = client.get("/admin/pass-types", headers=RU).get_data(as_text=True)
    assert "10 часов" in listing and "Соцпрограмма" in listing and "7 ч 30 мин в месяц" in listing


def test_pass_type_form_explains_problems(client, auth, make_user, make_type):
    auth.login(make_user("admin"))
    make_type()
    response = client.post("/admin/pass-types/new", data={
        "name": "10 часов", "kind": "membership", "validity_days": "0", "price": "abc", "committee_may_issue": "y"},
        headers=RU)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Введите цену в рублях" in page
    response = client.post("/admin/pass-types/new", data={
        "name": "10 часов", "kind": "membership", "validity_days": "0", "price": "100", "committee_may_issue": "y"},
        headers=RU)
    page = response.get_data(as_text=True)
    assert "Абонемент действует от 1 до 3660 дней." in page
    assert "Молодёжный комитет выдаёт только льготное время." in page
    assert db.session.scalar(select(db.func.count()).select_from(PassType)) == 1


def test_editing_a_type_keeps_the_terms_of_passes_held(client, auth, make_user, make_type):
    admin = make_user("admin")
    visitor = make_user()
    package = make_type()
    [held] = sell(package, visitor, admin)
    auth.login(admin)
    response = client.post(f"/admin/pass-types/{package.id}", data={
        "name": "12 часов", "kind": "package", "hours": "12", "validity_days": "90", "price": "1700",
        "staff_may_issue": "y", "active": "y"})
    assert response.status_code == 302
    db.session.refresh(held)
    assert (held.name, held.minutes_total, held.price) == ("10 часов", 600, Decimal("1500.00"))
    assert client.post(f"/admin/pass-types/{package.id}/delete").status_code == 302
    assert db.session.get(PassType, package.id) is not None  # in use: only archiving is possible


def test_pass_types_api(client, make_user, token_for):
    admin = token_for(make_user("admin"))
    created = client.post("/api/v1/pass-types", json={
        "name": "Месяц безлимит", "kind": "membership", "validity_days": 30, "price": "3500.00"}, headers=admin)
    assert created.status_code == 201
    body = created.json
    assert body["price"] == "3500.00" and body["minutes"] is None and body["kind_label"] == "Безлимит"
    bad = client.post("/api/v1/pass-types", json={
        "name": "Соц", "kind": "allowance", "minutes": 480, "price": "10"}, headers=admin)
    assert bad.status_code == 422 and "price" in bad.json["error"]["fields"]
    changed = client.put(f"/api/v1/pass-types/{body['id']}", json={
        "name": "Будни безлимит", "kind": "membership", "validity_days": 30, "price": "2500",
        "weekdays_only": True}, headers=admin)
    assert changed.status_code == 200 and changed.json["weekdays_only"] is True
    assert [t["name"] for t in client.get("/api/v1/pass-types").json["items"]] == ["Будни безлимит"]
    assert client.delete(f"/api/v1/pass-types/{body['id']}", headers=admin).status_code == 200
    assert client.get("/api/v1/pass-types").json["items"] == []


# ------------------------------------------------------------------------------------------------
# Selling and granting


def test_staff_sell_a_package_with_its_payment_method(client, auth, make_user, make_type):
    staff = make_user("staff")
    visitor = make_user(name="Алиса Гостева")
    package = make_type()
    auth.login(staff)
    page = client.get(f"/passes/people/{visitor.id}", headers=RU).get_data(as_text=True)
    assert "Алиса Гостева" in page and "10 часов" in page
    missing = client.post(f"/passes/people/{visitor.id}", data={"pass_type": package.id}, headers=RU)
    assert missing.status_code == 422 and "Укажите, как посетитель заплатил." in missing.get_data(as_text=True)
    response = client.post(f"/passes/people/{visitor.id}", data={
        "pass_type": package.id, "payment_method": "card", "starts_on": venue_today().isoformat()})
    assert response.status_code == 302
    [held] = services.passes_of(visitor)
    assert (held.minutes_remaining, held.payment_method, held.price) == (600, "card", Decimal("1500.00"))
    assert held.ends_on == venue_today() + timedelta(days=59)
    assert held.issued_by_id == staff.id
    page = client.get(f"/passes/people/{visitor.id}", headers=RU).get_data(as_text=True)
    assert "10 ч" in page and "банковская карта" in page
    assert "Алиса Гостева" in client.get("/passes/", headers=RU).get_data(as_text=True)
    found = client.get("/passes/?q=Алиса", headers=RU).get_data(as_text=True)
    assert 'class="badge pass-status-active">10 ч<' in found


def test_allowance_for_three_months_is_one_pass_per_month(client, auth, make_user, make_type):
    staff = make_user("staff")
    visitor = make_user()
    allowance = make_type("Соцпрограмма: 8 часов в месяц", "allowance", 480, None, Decimal(0),
                          committee_may_issue=True)
    auth.login(staff)
    no_category = client.post(f"/passes/people/{visitor.id}", data={
        "pass_type": allowance.id, "months": "3", "reason": "многодетная семья"}, headers=RU)
    assert no_category.status_code == 422 and "Выберите социальную категорию" in no_category.get_data(as_text=True)
    response = client.post(f"/passes/people/{visitor.id}", data={
        "pass_type": allowance.id, "months": "3", "social_category": "large_family"})
    assert response.status_code == 302
    held = sorted(services.passes_of(visitor), key=lambda p: p.starts_on)
    today = venue_today()
    assert len(held) == 3
    assert held[0].starts_on == today and held[0].ends_on.month == today.month
    assert held[1].starts_on.day == 1 and held[2].starts_on.day == 1
    assert all(p.minutes_total == 480 and p.payment_method is None and p.price == 0 for p in held)


def test_committee_sets_programme_terms_and_sees_counts_only(client, auth, make_user, make_type):
    """The committee grants nothing to named people: it sets a programme's terms and sees its use in counts."""
    committee = make_user("committee")
    staff = make_user("staff")
    visitor = make_user(name="Камила Орлова")
    allowance = make_type("Соцпрограмма", "allowance", 480, None, Decimal(0), committee_may_issue=True)
    sell(allowance, visitor, staff, social_category="large_family")
    auth.login(committee)
    assert client.get(f"/passes/people/{visitor.id}").status_code == 403
    refused = client.post(f"/api/v1/users/{visitor.id}/passes", json={
        "pass_type_id": allowance.id, "social_category": "large_family"})
    assert refused.status_code == 403
    overview = client.get("/committee/allowances", headers=RU).get_data(as_text=True)
    assert "Соцпрограмма" in overview and 'data-figure="people">1<' in overview
    assert "Камила" not in overview  # the terms list every category; nobody's own is shown
    saved = client.post(f"/committee/allowances/{allowance.id}", data={
        f"p{allowance.id}-hours": "6", f"p{allowance.id}-places": "1",
        f"p{allowance.id}-categories": ["orphan", "low_income"]})
    assert saved.status_code == 302
    db.session.refresh(allowance)
    assert (allowance.minutes, allowance.places, allowance.categories) == (360, 1, "low_income,orphan")
    # The one place is taken this month; a category outside the programme is refused.
    other = make_user()
    with pytest.raises(DomainError) as full:
        sell(allowance, other, staff, social_category="orphan")
    assert full.value.code == "no_places"
    db.session.rollback()
    with pytest.raises(DomainError) as wrong:
        sell(allowance, visitor, staff, social_category="large_family")
    assert wrong.value.fields == {"social_category": [services.PROBLEM_MESSAGES["category_required"]]}


def test_nobody_grants_a_pass_to_themselves(client, make_user, make_type, token_for):
    """Whatever the role: an admin cannot sell or grant to themselves either."""
    for role in ("staff", "admin"):
        person = make_user(role)
        allowance = make_type(f"Соц {role}", "allowance", 480, None, Decimal(0))
        response = client.post(f"/api/v1/users/{person.id}/passes", json={
            "pass_type_id": allowance.id, "social_category": "low_income"}, headers=token_for(person))
        assert response.status_code == 403 and response.json["error"]["code"] == "not_yourself"
        assert services.passes_of(person) == []


def test_only_admins_see_the_social_category(client, auth, make_user, make_type):
    staff, admin = make_user("staff"), make_user("admin")
    visitor = make_user()
    allowance = make_type("Соцпрограмма", "allowance", 480, None, Decimal(0))
    sell(allowance, visitor, staff, social_category="orphan")
    auth.login(staff)
    assert 'class="pass-category"' not in client.get(f"/passes/people/{visitor.id}", headers=RU).get_data(as_text=True)
    auth.login(admin)
    page = client.get(f"/passes/people/{visitor.id}", headers=RU).get_data(as_text=True)
    assert '<span class="pass-category">Сирота или ребёнок без попечения родителей</span>' in page


def test_staff_cannot_issue_types_not_marked_for_staff(client, make_user, make_type, token_for):
    staff = token_for(make_user("staff"))
    visitor = make_user()
    committee_only = make_type("Соц", "allowance", 480, None, Decimal(0), staff_may_issue=False,
                               committee_may_issue=True)
    response = client.post(f"/api/v1/users/{visitor.id}/passes", json={
        "pass_type_id": committee_only.id, "reason": "решение совета"}, headers=staff)
    assert response.status_code == 403 and response.json["error"]["code"] == "not_allowed"


def test_issue_and_read_passes_through_the_api(client, make_user, make_type, token_for):
    staff = token_for(make_user("staff"))
    visitor = make_user()
    package = make_type()
    membership = make_type("Месяц безлимит", "membership", None, 30, Decimal(3500))
    missing = client.post(f"/api/v1/users/{visitor.id}/passes", json={"pass_type_id": package.id}, headers=staff)
    assert missing.status_code == 422 and "payment_method" in missing.json["error"]["fields"]
    sold = client.post(f"/api/v1/users/{visitor.id}/passes", json={
        "pass_type_id": package.id, "payment_method": "transfer"}, headers=staff)
    assert sold.status_code == 201
    [item] = sold.json["items"]
    assert item["minutes_remaining"] == 600 and item["price"] == "1500.00" and item["status"] == "active"
    client.post(f"/api/v1/users/{visitor.id}/passes", json={
        "pass_type_id": membership.id, "payment_method": "cash"}, headers=staff)
    mine = client.get("/api/v1/me/passes", headers=token_for(visitor)).json
    assert mine["minutes_available"] == 600
    assert mine["membership_until"] == (venue_today() + timedelta(days=29)).isoformat()
    assert {p["kind"] for p in mine["items"]} == {"package", "membership"}
    assert client.get(f"/api/v1/users/{visitor.id}/passes", headers=staff).json == mine
    cancelled = client.post(f"/api/v1/passes/{item['id']}/cancel", json={"reason": "продан по ошибке"},
                            headers=staff)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    again = client.post(f"/api/v1/passes/{item['id']}/cancel", json={"reason": "ещё раз"}, headers=staff)
    assert again.status_code == 409
    assert client.get("/api/v1/me/passes", headers=token_for(visitor)).json["minutes_available"] == 0


def test_expired_package_shows_as_expired_with_its_unused_minutes(client, auth, make_user, make_type):
    staff = make_user("staff")
    visitor = make_user()
    package = make_type()
    [held] = sell(package, visitor, staff)
    held.starts_on = venue_today() - timedelta(days=70)
    held.ends_on = venue_today() - timedelta(days=11)
    held.minutes_remaining = 135
    db.session.commit()
    auth.login(visitor)
    page = client.get("/me/passes", headers=RU).get_data(as_text=True)
    assert "истёк" in page and "2 ч 15 мин не использовано" in page
    assert "Сейчас нет действующих абонементов." in page


# ------------------------------------------------------------------------------------------------
# Spending at checkout and restoring


def test_apply_and_restore_passes(make_user, make_type, make_visit):
    staff = make_user("staff")
    visitor = make_user()
    package = make_type()
    [held] = sell(package, visitor, staff)
    visit = make_visit(visitor, 90)
    allocation = services.apply_passes(visit.id, visitor, 90, day=venue_today(), price=tariff(90))
    db.session.commit()
    assert [(u.pass_id, u.minutes) for u in allocation.uses] == [(held.id, 90)]
    assert allocation.due == 0 and allocation.tariff_only == Decimal(240)
    db.session.refresh(held)
    assert held.minutes_remaining == 510
    with pytest.raises(Exception) as error:
        services.apply_passes(visit.id, visitor, 90, day=venue_today(), price=tariff(90))
    assert getattr(error.value, "code", None) == "passes_already_applied"
    db.session.rollback()
    assert services.restore_passes(visit.id) == 90
    db.session.commit()
    db.session.refresh(held)
    assert held.minutes_remaining == 600
    assert [u.reversed_at is not None for u in services.uses_of(held)] == [True]
    # The visit re-priced after a correction may spend the pass again.
    services.apply_passes(visit.id, visitor, 30, day=venue_today(), price=tariff(30))
    db.session.commit()
    db.session.refresh(held)
    assert held.minutes_remaining == 570
    assert services.restore_passes(visit.id) == 30 and services.restore_passes(visit.id) == 0


def test_passes_pay_in_order_and_the_report_splits_subsidised_minutes(make_user, make_type, make_visit):
    staff = make_user("staff")
    visitor = make_user()
    package = make_type()
    allowance = make_type("Соц", "allowance", 480, None, Decimal(0), committee_may_issue=True)
    membership = make_type("Месяц безлимит", "membership", None, 30, Decimal(3500))
    [paid] = sell(package, visitor, staff)
    [granted] = sell(allowance, visitor, staff, social_category="low_income")
    granted.minutes_remaining = granted.minutes_total = 40
    db.session.commit()
    first = make_visit(visitor, 90)
    allocation = services.apply_passes(first.id, visitor, 90, day=venue_today(), price=tariff(90))
    db.session.commit()
    # The allowance ends this month, before the package: it pays first.
    assert [(u.pass_id, u.minutes) for u in allocation.uses] == [(granted.id, 40), (paid.id, 50)]
    [member] = sell(membership, visitor, staff)
    second = make_visit(visitor, 120)
    allocation = services.apply_passes(second.id, visitor, 120, day=venue_today(), price=tariff(120))
    db.session.commit()
    assert [(u.pass_id, u.minutes) for u in allocation.uses] == [(member.id, 120)]
    db.session.refresh(paid)
    assert paid.minutes_remaining == 550
    totals = services.minutes_by_kind([first.id, second.id])
    assert (totals.prepaid, totals.subsidised, totals.total) == (170, 40, 210)
    uses = services.uses_for_visits([first.id, second.id])
    assert [u.minutes for u in uses[first.id]] == [40, 50]


def test_a_walk_in_without_an_account_spends_nothing(make_user, make_visit):
    visit = make_visit(make_user(), 90)
    allocation = services.apply_passes(visit.id, None, 90, day=venue_today(), price=tariff(90))
    assert allocation.uses == () and allocation.due == Decimal(240)


def test_the_database_refuses_a_negative_balance(make_user, make_type):
    staff = make_user("staff")
    [held] = sell(make_type(), make_user(), staff)
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE passes SET minutes_remaining = -1 WHERE id = :id"), {"id": held.id})
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_second_use_of_a_pass_by_one_visit(make_user, make_type, make_visit):
    staff = make_user("staff")
    visitor = make_user()
    [held] = sell(make_type(), visitor, staff)
    visit = make_visit(visitor)
    db.session.add(PassUse(pass_id=held.id, visit_id=visit.id, minutes=10))
    db.session.commit()
    db.session.add(PassUse(pass_id=held.id, visit_id=visit.id, minutes=10))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_checkouts_racing_for_one_package_never_overspend(app, make_user, make_type, make_visit):
    """Each checkout runs in its own thread and transaction; the pass rows' lock serializes them."""
    staff = make_user("staff")
    visitor = make_user()
    [held] = sell(make_type(minutes=100), visitor, staff)
    visits = [make_visit(visitor, 90).id for _ in range(2)]
    visitor_id, day = visitor.id, venue_today()
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def checkout(visit_id: int):
        try:
            with app.app_context():
                from anticafe.accounts.models import User

                person = db.session.get(User, visitor_id)
                db.session.commit()  # start the checkout with no read transaction open
                base = tariff(90)
                slow = {"first": True}

                def price(covered: int) -> Decimal:
                    if slow["first"]:  # hold the transaction open while the other thread arrives
                        slow["first"] = False
                        clock.sleep(0.3)
                    return base(covered)

                barrier.wait()
                allocation = services.apply_passes(visit_id, person, 90, day=day, price=price)
                db.session.commit()
                results[visit_id] = allocation.covered
                db.session.remove()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=checkout, args=(visit_id,)) for visit_id in visits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    remaining = db.session.get(Pass, held.id).minutes_remaining
    spent = sum(u.minutes for u in db.session.scalars(select(PassUse).where(PassUse.pass_id == held.id)))
    assert sorted(results.values()) == [10, 90]
    assert spent == 100 and remaining == 0


def test_pages_for_people_without_passes(client, auth, make_user):
    auth.login(make_user("staff"))
    page = client.get("/passes/?q=zz", headers=RU).get_data(as_text=True)
    assert "Никого не нашлось." in page
    auth.login(make_user())
    page = client.get("/me/passes", headers=RU).get_data(as_text=True)
    assert "У вас нет абонементов." in page


def test_demo_step_adds_believable_passes(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    names = set(db.session.scalars(select(PassType.name)))
    assert {"10 часов", "Месяц безлимит", "Соцпрограмма: 8 часов в месяц"} <= names
    kinds = {p.kind for p in db.session.scalars(select(Pass))}
    assert kinds == {"package", "membership", "allowance"}
    today = venue_today()
    held = list(db.session.scalars(select(Pass)))
    assert any(p.status(today).value == "expired" for p in held)
    # The holders' demo visits were paid by their passes, and every balance matches its ledger.
    assert db.session.scalar(select(db.func.count()).select_from(PassUse)) > 20
    for pass_ in held:
        if pass_.holds_minutes:
            used = sum(u.minutes for u in pass_.uses if u.reversed_at is None)
            assert pass_.minutes_total - pass_.minutes_remaining == used
