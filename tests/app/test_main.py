"""The app factory: health check, error bodies for bad JSON, unknown ids and unknown routes."""

from __future__ import annotations

from typing import Any

import pytest


def test_healthz_needs_no_login(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "malformed_json"),
        ('{"name": ', "malformed_json"),
        ("", "validation_error"),
        ("[]", "validation_error"),
        ('{"name": ""}', "validation_error"),
        ('{"name": "x", "extra": 1}', "validation_error"),
    ],
)
def test_bad_json_body_is_422_with_error_body(client: Any, login: Any, body: str, code: str) -> None:
    login(client, "manager")
    response = client.post("/api/farms", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert isinstance(error["details"], list)


@pytest.mark.parametrize("path", ["/api/farms/999999", "/api/pens/999999", "/api/animals/999999"])
def test_unknown_id_is_404_with_error_body(client: Any, login: Any, path: str) -> None:
    login(client, "viewer")
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "999999" in response.json()["error"]["message"]


def test_unknown_route_and_wrong_method(client: Any) -> None:
    assert client.get("/api/nowhere").json()["error"]["code"] == "not_found"
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_non_integer_id_is_422(client: Any, login: Any) -> None:
    login(client, "viewer")
    response = client.get("/api/animals/abc")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_duplicate_is_409(client: Any, login: Any) -> None:
    login(client, "manager")
    assert client.post("/api/farms", json={"name": "Home"}).status_code == 201
    response = client.post("/api/farms", json={"name": "Home"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert client.get("/api/farms").status_code == 200  # the session is usable after the conflict


def test_create_app_from_settings_alone(settings: Any) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(settings)) as own_client:
        assert own_client.get("/healthz").json()["database"] == "ok"
        assert own_client.get("/api/auth/me").status_code == 401


def test_unexpected_error_is_500_with_error_body(app: Any) -> None:
    from fastapi.testclient import TestClient

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as own_client:
        response = own_client.get("/boom")
    assert response.status_code == 500
    error = {"code": "server_error", "message": "internal server error", "details": None}
    assert response.json() == {"error": error}
