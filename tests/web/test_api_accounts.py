"""The API's conventions on the accounts endpoints: tokens, sign-up, /me, errors, OpenAPI."""

from anticafe.accounts.models import ApiToken
from anticafe.api.spec import api_specs
from anticafe.extensions import db


def test_token_me_and_revocation(client, make_user):
    user = make_user(email="anna@example.org", role="staff")
    response = client.post("/api/v1/auth/token", json={"email": "ANNA@example.org", "password": "password123"})
    assert response.status_code == 200
    body = response.json
    assert body["user"] == {"id": user.id, "name": user.name, "email": "anna@example.org", "role": "staff"}
    headers = {"Authorization": f"Bearer {body['token']}"}
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json["email"] == "anna@example.org"
    token = db.session.scalar(db.select(ApiToken))
    assert token.token_hash != body["token"]
    from anticafe.db import utcnow
    token.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_wrong_credentials_answer_401_json(client, make_user):
    make_user(email="anna@example.org")
    response = client.post("/api/v1/auth/token", json={"email": "anna@example.org", "password": "nope"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_credentials"


def test_sign_up_api(client):
    data = {"name": "Дима", "email": "dima@example.org", "password": "long-password", "birth_date": "2001-01-01",
            "consent": True}
    created = client.post("/api/v1/users", json=data)
    assert created.status_code == 201
    assert created.json["role"] == "visitor"
    again = client.post("/api/v1/users", json=data)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "email_taken"


def test_sign_up_api_field_errors(client):
    response = client.post("/api/v1/users", json={"name": "Юля", "email": "yulia@example.org",
                                                  "password": "short", "birth_date": "2016-02-02",
                                                  "consent": False}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert set(fields) == {"password", "consent", "guardian_name", "guardian_phone", "guardian_email"}
    missing = client.post("/api/v1/users", json={"email": "x@example.org"})
    assert missing.status_code == 422
    assert {"name", "password", "birth_date", "consent"} <= set(missing.json["error"]["fields"])


def test_unknown_api_path_and_method_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    wrong_method = client.put("/api/v1/me")
    assert wrong_method.status_code == 405
    assert wrong_method.json["error"]["code"] == "method_not_allowed"


def test_anonymous_me_is_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_openapi_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    for url_rule, spec in api_specs(app):
        assert spec is not None, f"{url_rule.rule} is not declared with api.spec.endpoint"
        path = url_rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        assert spec.method.lower() in document["paths"][path], f"{spec.method} {path} missing from openapi.json"
    signup = document["paths"]["/api/v1/users"]["post"]
    schema_name = signup["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "consent" in document["components"]["schemas"][schema_name]["properties"]
