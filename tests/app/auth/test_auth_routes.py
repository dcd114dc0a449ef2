"""Sign in/out, the current user, API keys (header forms, revocation) and user administration."""

from __future__ import annotations

from typing import Any

import pytest


def test_login_me_logout(client: Any, make_user: Any) -> None:
    user, password = make_user("vet")
    assert client.get("/api/auth/me").status_code == 401
    response = client.post("/api/auth/login", json={"email": user.email.upper(), "password": password})
    assert response.status_code == 200
    assert "password_hash" not in response.json()
    assert client.get("/api/auth/me").json()["email"] == user.email
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize(
    ("email", "password"),
    [("known", "wrong password"), ("nobody@example.test", "whatever"), ("known", "")],
)
def test_login_refused(client: Any, make_user: Any, email: str, password: str) -> None:
    user, _ = make_user("admin")
    response = client.post(
        "/api/auth/login", json={"email": user.email if email == "known" else email, "password": password}
    )
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "not_authenticated",
        "message": "wrong email or password",
        "details": None,
    }


def test_inactive_user_cannot_log_in(client: Any, make_user: Any, db_session: Any) -> None:
    user, password = make_user("manager")
    user.active = False
    db_session.commit()
    assert client.post("/api/auth/login", json={"email": user.email, "password": password}).status_code == 401


def test_tampered_session_cookie_is_rejected(client: Any, login: Any) -> None:
    login(client, "viewer")
    cookie = client.cookies.get("pigwatch_session")
    tampered = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    client.cookies.clear()
    client.cookies.set("pigwatch_session", tampered)
    assert client.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize("header_form", ["x-api-key", "bearer"])
def test_api_key_authenticates(client: Any, api_key_headers: Any, header_form: str) -> None:
    key = api_key_headers("viewer")["X-API-Key"]
    headers = {"X-API-Key": key} if header_form == "x-api-key" else {"Authorization": f"Bearer {key}"}
    response = client.get("/api/auth/me", headers=headers)
    assert response.status_code == 200
    assert response.json()["role"] == "viewer"


@pytest.mark.parametrize("key", ["", "garbage", "pw_000000000000_nope", "pw__x", "Bearer"])
def test_invalid_api_key_is_401(client: Any, key: str) -> None:
    response = client.get("/api/farms", headers={"X-API-Key": key} if key else {"Authorization": "Bearer x"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_api_key_lifecycle(client: Any, api_key_headers: Any, make_user: Any) -> None:
    admin = api_key_headers("admin")
    vet, _ = make_user("vet")
    created = client.post("/api/api-keys", json={"name": "farm software", "user_id": vet.id}, headers=admin)
    assert created.status_code == 201
    body = created.json()
    assert body["key"].startswith(f"pw_{body['prefix']}_")
    vet_headers = {"X-API-Key": body["key"]}
    assert client.get("/api/auth/me", headers=vet_headers).json()["id"] == vet.id
    listed = client.get("/api/api-keys", headers=admin).json()
    assert all("key" not in k and "key_hash" not in k for k in listed)
    assert client.get("/api/api-keys", headers=admin).json()[-1]["last_used_at"] is not None
    assert client.delete(f"/api/api-keys/{body['id']}", headers=admin).json()["revoked_at"] is not None
    assert client.get("/api/auth/me", headers=vet_headers).status_code == 401
    assert client.delete("/api/api-keys/999999", headers=admin).status_code == 404


def test_admin_manages_users(client: Any, api_key_headers: Any) -> None:
    admin = api_key_headers("admin")
    new = {"email": "New.Vet@Example.test", "role": "vet", "password": "long enough password"}
    created = client.post("/api/users", json=new, headers=admin)
    assert created.status_code == 201
    assert created.json()["email"] == "new.vet@example.test"
    assert client.post("/api/users", json=new, headers=admin).status_code == 409
    user_id = created.json()["id"]
    patched = client.patch(f"/api/users/{user_id}", json={"role": "manager", "active": False}, headers=admin)
    assert patched.json()["role"] == "manager" and patched.json()["active"] is False
    assert client.get(f"/api/users/{user_id}", headers=admin).status_code == 200
    assert client.patch("/api/users/999999", json={"name": "x"}, headers=admin).status_code == 404
    login = client.post("/api/auth/login", json={"email": new["email"], "password": new["password"]})
    assert login.status_code == 401  # deactivated


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "role": "vet", "password": "long enough password"},
        {"email": "a@b.test", "role": "superuser", "password": "long enough password"},
        {"email": "a@b.test", "role": "vet", "password": "short"},
        {},
    ],
)
def test_invalid_user_body_is_422(client: Any, api_key_headers: Any, body: dict[str, str]) -> None:
    response = client.post("/api/users", json=body, headers=api_key_headers("admin"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("change", [{"role": "manager"}, {"active": False}])
def test_last_admin_cannot_be_demoted_or_deactivated(client: Any, login: Any, change: dict[str, Any]) -> None:
    admin = login(client, "admin")
    response = client.patch(f"/api/users/{admin.id}", json=change)
    assert response.status_code == 409
    assert "last active admin" in response.json()["error"]["message"]
    second = client.post("/api/users", json={"email": "two@x.test", "role": "admin", "password": "12345678"})
    assert client.patch(f"/api/users/{second.json()['id']}", json=change).status_code == 200
