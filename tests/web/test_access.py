"""Every route, every role: the outcome matches the declared access table in tests/access/."""

from datetime import date

import pytest
from access import all_rules

from anticafe.auth import Access

ROLES = ["anonymous", "visitor", "staff", "committee", "admin"]


def routes(app):
    """Yield (endpoint, method, rule) for every route the app has."""
    for url_rule in app.url_map.iter_rules():
        for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
            yield url_rule.endpoint, method, url_rule


def test_every_route_has_a_declared_rule(app):
    """A new route without an access rule makes the suite fail."""
    declared = all_rules()
    missing = [f"{endpoint} {method} ({rule.rule})" for endpoint, method, rule in routes(app)
               if (endpoint, method) not in declared]
    assert not missing, "routes without an access rule in tests/access/: " + ", ".join(missing)
    existing = {(endpoint, method) for endpoint, method, _ in routes(app)}
    stale = [key for key in declared if key not in existing]
    assert not stale, f"access rules for routes that do not exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_as_declared(app, client, make_user, auth, role):
    """Allowed roles pass the check; others get a login redirect (401 in the API) or 403."""
    # Every role's own account exists with id 1..; admin_user args point at a real person.
    people = {name: make_user(name, birth_date=date(2000, 1, 1)) for name in ROLES[1:]}
    if role != "anonymous":
        auth.login(people[role])
    for (endpoint, method), rule in sorted(all_rules().items()):
        with app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, **rule.args)
        response = client.open(url, method=method, json={} if url.startswith("/api/") and method != "GET" else None)
        allowed = rule.access is Access.PUBLIC or (role != "anonymous" and role in rule.access.value)
        where = f"{method} {url} as {role}"
        if allowed:
            assert response.status_code not in (401, 403), where
            assert response.status_code < 500, where
            assert "/login?next=" not in response.headers.get("Location", ""), where
        elif role == "anonymous":
            if url.startswith("/api/"):
                assert response.status_code == 401, where
                assert response.json["error"]["code"] == "unauthorized", where
            else:
                assert response.status_code == 302, where
                assert "/login" in response.headers["Location"], where
        else:
            assert response.status_code == 403, where
            if url.startswith("/api/"):
                assert response.json["error"]["code"] == "forbidden", where
        if role != "anonymous" and endpoint in ("accounts.logout", "accounts.end_all_sessions", "accounts_api.log_out"):
            auth.login(people[role])
