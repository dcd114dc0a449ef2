"""CSRF protection of the browser forms and the session cookie's flags."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from tests.app.web.seed import Seeded, seed_pen
from tests.app.web.test_pages import page_token


@pytest.fixture
def seeded(db_session: Any) -> Seeded:
    return seed_pen(db_session)


def api_routes(routes: Any, prefix: str = "") -> list[tuple[str, set[str]]]:
    """``(path, methods)`` of every route, walking included routers (FastAPI wraps them)."""
    out = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append((prefix + route.path, set(route.methods)))
        elif (context := getattr(route, "include_context", None)) is not None:
            out += api_routes(context.included_router.routes, prefix + context.prefix)
    return out


def browser_post_routes(app: Any) -> list[str]:
    """Paths of every state-changing page route (not under ``/api``), path parameters filled with 1."""
    return sorted(
        {
            re.sub(r"\{[^}]+\}", "1", path)
            for path, methods in api_routes(app.routes)
            if not path.startswith("/api") and methods - {"GET", "HEAD"}
        }
    )


def test_every_browser_post_route_refuses_a_forged_request(client: Any, login: Any, app: Any) -> None:
    login(client, "admin")
    page_token(client)  # the session has a token; the forged requests do not send it
    paths = browser_post_routes(app)
    assert {"/login", "/logout", "/identity/merge", "/alerts/1/dismiss", "/pigs/1/records/1/new"} <= set(
        paths
    )
    for path in paths:
        response = client.post(path, data={"animal_id": "1", "other_animal_id": "2"}, follow_redirects=False)
        assert response.status_code == 403, path
        assert "security token" in response.text and "<html" in response.text, path


def test_a_forged_post_changes_nothing(client: Any, login: Any, db_session: Any, seeded: Seeded) -> None:
    from app.summaries.models import Alert

    login(client, "vet")
    real = page_token(client, "/alerts")
    for token in (None, "", "x" * 43, real[:-1] + ("A" if real[-1] != "A" else "B")):
        data = {} if token is None else {"csrf_token": token}
        response = client.post(f"/alerts/{seeded.alert_id}/dismiss", data=data, follow_redirects=False)
        assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(Alert, seeded.alert_id).status == "open"
    assert client.post(f"/alerts/{seeded.alert_id}/dismiss", data={"csrf_token": real}).status_code == 200


def test_a_token_of_another_session_is_refused(client: Any, app: Any, login: Any, seeded: Seeded) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app) as attacker:
        login(attacker, "viewer")
        stolen = page_token(attacker)
    login(client, "vet")
    page_token(client)
    url = f"/pigs/{seeded.pig_id}/records/note/new"
    assert client.post(url, data={"notes": "forged", "csrf_token": stolen}).status_code == 403


def test_the_header_token_works_for_scripts(client: Any, login: Any, seeded: Seeded) -> None:
    login(client, "vet")
    headers = {"X-CSRF-Token": page_token(client)}
    response = client.post(f"/alerts/{seeded.alert_id}/dismiss", headers=headers, follow_redirects=False)
    assert response.status_code == 303


def test_signing_in_needs_the_login_pages_token_and_renews_it(client: Any, make_user: Any) -> None:
    user, password = make_user("viewer")
    data = {"email": user.email, "password": password}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403
    before = page_token(client, "/login")
    response = client.post("/login", data={**data, "csrf_token": before}, follow_redirects=False)
    assert response.status_code == 303
    assert page_token(client) != before  # a new session: a new token


def test_every_post_form_carries_the_token(client: Any, login: Any, seeded: Seeded) -> None:
    login(client, "admin")
    token = page_token(client)
    paths = ["/", "/identity", "/alerts", f"/pigs/{seeded.pig_id}/records/lameness/new"]
    paths.append(f"/records/health-event/{seeded.treatment_id}/edit")
    for path in paths:
        html = client.get(path).text
        forms = re.findall(r'<form method="post"[^>]*>(.*?)</form>', html, re.S)
        assert forms, path
        for form in forms:
            assert f'name="csrf_token" value="{token}"' in form, path


def test_the_json_api_needs_no_token(client: Any, api_key_headers: Any, seeded: Seeded) -> None:
    headers = api_key_headers("vet")
    body = {"kind": "observation", "notes": "API, no CSRF token"}
    response = client.post(f"/api/animals/{seeded.pig_id}/health-events", json=body, headers=headers)
    assert response.status_code == 201, response.text


def _cookie_header(app: Any) -> str:
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as browser:
        response = browser.get("/login")
    return str(response.headers["set-cookie"]).lower()


def test_session_cookie_flags(app: Any, settings: Any, db_session_factory: Any) -> None:
    from app.main import create_app

    cookie = _cookie_header(app)
    assert cookie.startswith("pigwatch_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    production = settings.model_copy(update={"env": "production", "secret_key": "s" * 40})
    cookie = _cookie_header(create_app(production, session_factory=db_session_factory))
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
