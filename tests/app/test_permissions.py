"""Every role against every write route of the platform core (table-driven), and no anonymous access."""

from __future__ import annotations

import re
from itertools import count
from typing import Any

import pytest

from app.animals.models import Animal
from app.auth.models import ApiKey, User
from app.auth.permissions import role_at_least
from app.farms.models import Farm, Pen

ROLES = ("admin", "manager", "vet", "viewer")
_serial = count(1)

# (method, path template, body template, least role allowed, success status)
WRITE_ROUTES: list[tuple[str, str, dict[str, Any] | None, str, int]] = [
    ("POST", "/api/farms", {"name": "Farm {n}"}, "manager", 201),
    ("PATCH", "/api/farms/{farm}", {"name": "Renamed {n}"}, "manager", 200),
    ("POST", "/api/pens", {"farm_id": "{farm}", "name": "Pen {n}"}, "manager", 201),
    ("PATCH", "/api/pens/{pen}", {"capacity": 12}, "manager", 200),
    ("POST", "/api/animals", {"pen_id": "{pen}", "ear_tag": "T{n}"}, "manager", 201),
    ("PATCH", "/api/animals/{animal}", {"status": "suspicious"}, "manager", 200),
    ("POST", "/api/users", {"email": "u{n}@x.test", "role": "viewer", "password": "12345678"}, "admin", 201),
    ("PATCH", "/api/users/{user}", {"name": "Renamed"}, "admin", 200),
    ("POST", "/api/api-keys", {"name": "key {n}"}, "admin", 201),
    ("DELETE", "/api/api-keys/{key}", None, "admin", 200),
]

READ_ROUTES: list[tuple[str, str]] = [
    ("/api/farms", "viewer"),
    ("/api/pens", "viewer"),
    ("/api/animals", "viewer"),
    ("/api/pens/{pen}", "viewer"),
    ("/api/animals/{animal}", "viewer"),
    ("/api/users", "admin"),
    ("/api/api-keys", "admin"),
]


@pytest.fixture
def ids(db_session: Any) -> dict[str, int]:
    """One farm, pen, animal, user and API key to aim the routes at."""
    farm = Farm(name="Permission farm")
    db_session.add(farm)
    db_session.flush()
    pen = Pen(farm_id=farm.id, name="Pen A")
    user = User(email="target@x.test", role="viewer", password_hash=None)
    db_session.add_all([pen, user])
    db_session.flush()
    animal = Animal(pen_id=pen.id, ear_tag="PERM-1")
    key = ApiKey(user_id=user.id, name="target", prefix="feedfeedfeed", key_hash="0" * 64)
    db_session.add_all([animal, key])
    db_session.commit()
    return {"farm": farm.id, "pen": pen.id, "animal": animal.id, "user": user.id, "key": key.id}


def _fill(template: Any, values: dict[str, int]) -> Any:
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, str):
        if template.startswith("{") and template.endswith("}") and template[1:-1] in values:
            return values[template[1:-1]]
        return template.format(**values)
    return template


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "least", "ok_status"), WRITE_ROUTES)
def test_write_route_per_role(
    client: Any,
    api_key_headers: Any,
    ids: dict[str, int],
    role: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    least: str,
    ok_status: int,
) -> None:
    values = {**ids, "n": next(_serial)}
    response = client.request(
        method, _fill(path, values), json=_fill(body, values), headers=api_key_headers(role)
    )
    if role_at_least(role, least):
        assert response.status_code == ok_status, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "least"), READ_ROUTES)
def test_read_route_per_role(
    client: Any, api_key_headers: Any, ids: dict[str, int], role: str, path: str, least: str
) -> None:
    response = client.get(_fill(path, ids), headers=api_key_headers(role))
    assert response.status_code == (200 if role_at_least(role, least) else 403)


PUBLIC_PATHS = {"/api/auth/login", "/api/auth/logout"}


def test_every_api_route_refuses_anonymous_requests(client: Any, app: Any) -> None:
    paths = {p: ops for p, ops in app.openapi()["paths"].items() if p.startswith("/api/")}
    assert len(paths) >= 10
    for template, operations in paths.items():
        if template in PUBLIC_PATHS:
            continue
        path = re.sub(r"\{[^}]+\}", "1", template)
        for method in operations:
            response = client.request(method.upper(), path)
            assert response.status_code == 401, f"{method} {template} answered {response.status_code}"
