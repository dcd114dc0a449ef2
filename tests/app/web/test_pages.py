"""Pages over the real database (rolled back): sign-in, overview, pig timeline, forms, identity, alerts."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

import pytest

from tests.app.web.seed import SEED_DAY, Seeded, seed_pen


@pytest.fixture
def seeded(db_session: Any) -> Seeded:
    return seed_pen(db_session)


def figure_of(html: str, element_id: str = "timeline-figure") -> dict[str, Any]:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert match, f"no figure {element_id}"
    return dict(json.loads(match.group(1)))


def trace(figure: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in figure["data"] if t["name"].startswith(name))


def page_token(client: Any, path: str = "/") -> str:
    """The CSRF token in the forms of ``path`` (the session's token)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.mark.parametrize("path", ["/", "/pigs/1", "/alerts", "/identity", "/pigs/1/records/weight/new"])
def test_pages_need_sign_in(client: Any, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize(
    ("password", "status"), [("correct horse battery staple", 303), ("wrong", 401), ("", 401)]
)
def test_login_form(client: Any, make_user: Any, password: str, status: int) -> None:
    user, _ = make_user("viewer")
    data = {
        "email": user.email,
        "password": password,
        "next": "/alerts",
        "csrf_token": page_token(client, "/login"),
    }
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == status
    if status == 303:
        assert response.headers["location"] == "/alerts"
        assert client.get("/alerts").status_code == 200
    else:
        assert "Wrong email or password" in response.text


def test_login_refuses_open_redirect(client: Any, make_user: Any) -> None:
    user, password = make_user("viewer")
    data = {
        "email": user.email,
        "password": password,
        "next": "//evil.example",
        "csrf_token": page_token(client, "/login"),
    }
    assert client.post("/login", data=data, follow_redirects=False).headers["location"] == "/"


def test_pens_overview(client: Any, login: Any, seeded: Seeded) -> None:
    login(client, "viewer")
    html = client.get("/").text
    for text in ("Pen 3", "Rosa", "Otto", "cam north: recording", "Needs attention", "1/2 chunks"):
        assert text in html


def test_pens_overview_empty(client: Any, login: Any) -> None:
    login(client, "viewer")
    assert "No pens yet" in client.get("/").text


def test_pig_timeline_figure(client: Any, login: Any, seeded: Seeded) -> None:
    login(client, "viewer")
    html = client.get(f"/pigs/{seeded.pig_id}", params={"from": "2026-03-11", "to": "2026-03-21"}).text
    figure = figure_of(html)
    assert trace(figure, "lying")["y"][0] == pytest.approx(2.0)
    run = trace(figure, "run")  # 21 March has no summary: summed from its bouts
    assert dict(zip(run["x"], run["y"], strict=True))["2026-03-21"] == pytest.approx(0.5)
    assert run["y"][:-1] == [0] * 10
    assert trace(figure, "Treatments")["text"][0].startswith("treatment: Penicillin 3 ml IM")
    assert trace(figure, "Withdrawal end")["x"][0].startswith("2026-03-23")
    assert trace(figure, "Lameness score")["y"] == [1]
    assert trace(figure, "Weight (ADG 0.80")["y"][0] == pytest.approx(30.0)
    assert trace(figure, "Pen mean (ADG 0.80")["y"][0] == pytest.approx(31.0)
    assert trace(figure, "ID confidence")["y"] == [pytest.approx(0.93)]
    assert "Sampled: about 4.0 h of video observed per day" in html
    assert figure["layout"]["title"]["text"].startswith("Sampled video: about 4.0 h a day observed")
    assert "+ Lameness score" not in html  # viewer: no edit links


@pytest.mark.parametrize(("pig", "shown"), [("sick_pig_id", True), ("pig_id", False)])
def test_pig_page_flags_open_alerts(client: Any, login: Any, seeded: Seeded, pig: str, shown: bool) -> None:
    login(client, "viewer")
    html = client.get(f"/pigs/{getattr(seeded, pig)}").text
    assert ('id="pig-alerts"' in html) is shown
    assert ("feeding falling since 2026-03-20" in html) is shown


@pytest.mark.parametrize(
    ("query", "expected_days"), [({"from": "2026-03-20", "to": "2026-03-20"}, 1), ({}, 10)]
)
def test_pig_range_bounds_the_data(
    client: Any, login: Any, seeded: Seeded, query: dict, expected_days: int
) -> None:
    login(client, "viewer")
    figure = figure_of(client.get(f"/pigs/{seeded.pig_id}", params=query).text)
    assert len(trace(figure, "Activity index")["x"]) == expected_days


def test_unknown_pig_is_404(client: Any, login: Any) -> None:
    login(client, "viewer")
    assert client.get("/pigs/999999").status_code == 404


@pytest.mark.parametrize(
    ("form", "data", "status", "message"),
    [
        ("lameness", {"scale_max": "3", "score": "2"}, 303, None),
        ("lameness", {"scale_max": "3", "score": "5"}, 422, "outside the 0-3 scale"),
        ("weight", {"kg": "-2"}, 422, "greater than 0"),
        (
            "health-event",
            {"kind": "treatment", "product": "Amoxicillin", "withdrawal_end": "2026-12-01"},
            303,
            None,
        ),
        ("health-event", {"kind": "treatment"}, 422, "a treatment needs a product"),
        ("note", {"notes": "coughing"}, 303, None),
        ("note", {}, 422, "needs a notes"),
    ],
)
def test_record_forms(
    client: Any, login: Any, seeded: Seeded, form: str, data: dict, status: int, message: str | None
) -> None:
    login(client, "vet")
    data = {**data, "csrf_token": page_token(client)}
    response = client.post(f"/pigs/{seeded.pig_id}/records/{form}/new", data=data, follow_redirects=False)
    assert response.status_code == status
    if message:
        assert message in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/pigs/{pig}/records/lameness/new",
        "/records/health-event/{event}/edit",
        "/records/health-event/{event}/delete",
    ],
)
def test_viewer_cannot_post_records(client: Any, login: Any, seeded: Seeded, path: str) -> None:
    login(client, "viewer")
    url = path.format(pig=seeded.pig_id, event=seeded.treatment_id)
    data = {
        "scale_max": "3",
        "score": "1",
        "kind": "observation",
        "notes": "x",
        "csrf_token": page_token(client),
    }
    response = client.post(url, data=data)
    assert response.status_code == 403 and "may not change this" in response.text


def test_edit_form_roundtrip(client: Any, login: Any, seeded: Seeded) -> None:
    login(client, "vet")
    url = f"/records/health-event/{seeded.treatment_id}/edit"
    assert 'value="Penicillin"' in client.get(url).text
    data = {"kind": "treatment", "occurred_at": "2026-03-16T08:00", "product": "Penicillin", "dose": "4 ml"}
    data["csrf_token"] = page_token(client, url)
    assert client.post(url, data=data, follow_redirects=False).status_code == 303
    assert client.get(f"/api/health-events/{seeded.treatment_id}").json()["dose"] == "4 ml"


@pytest.mark.parametrize(
    ("role", "status", "band"),
    [("viewer", 403, "suggested"), ("vet", 403, "suggested"), ("manager", 303, "assigned")],
)
def test_identity_confirm(
    client: Any, login: Any, db_session: Any, seeded: Seeded, role: str, status: int, band: str
) -> None:
    from app.tracking.models import Track

    login(client, role)
    assert f"suggestion-{seeded.suggested_track_id}" in client.get("/identity").text
    token = {"csrf_token": page_token(client, "/identity")}
    response = client.post(
        f"/identity/tracks/{seeded.suggested_track_id}/confirm", data=token, follow_redirects=False
    )
    assert response.status_code == status
    db_session.expire_all()
    assert db_session.get(Track, seeded.suggested_track_id).assignment_band == band


def test_identity_merge_conflict_is_explained(client: Any, login: Any, seeded: Seeded) -> None:
    login(client, "manager")
    data = {"animal_id": seeded.pig_id, "other_animal_id": seeded.pig_id, "csrf_token": page_token(client)}
    response = client.post("/identity/merge", data=data)
    assert response.status_code == 409
    assert "cannot be merged into itself" in response.text


def test_alert_confirm_creates_a_health_event(
    client: Any, login: Any, db_session: Any, seeded: Seeded
) -> None:
    from app.summaries.models import Alert

    login(client, "vet")
    html = client.get("/alerts").text
    figure = figure_of(html, f"figure-{seeded.alert_id}")
    assert trace(figure, "This pig")["y"][-1] == 4.0
    data = {"kind": "diagnosis", "condition": "respiratory disease", "csrf_token": page_token(client)}
    assert (
        client.post(f"/alerts/{seeded.alert_id}/confirm", data=data, follow_redirects=False).status_code
        == 303
    )
    db_session.expire_all()
    alert = db_session.get(Alert, seeded.alert_id)
    assert alert.status == "confirmed" and alert.health_event_id is not None


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("vet", 303)])
def test_alert_dismiss_per_role(client: Any, login: Any, seeded: Seeded, role: str, status: int) -> None:
    login(client, role)
    token = {"csrf_token": page_token(client, "/alerts")}
    response = client.post(f"/alerts/{seeded.alert_id}/dismiss", data=token, follow_redirects=False)
    assert response.status_code == status


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("plotly.min.js", "text/javascript"), ("app.css", "text/css"), ("app.js", "text/javascript")],
)
def test_assets_served_locally_gzipped_and_cached(client: Any, name: str, media_type: str) -> None:
    response = client.get(f"/static/{name}", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"].startswith(media_type)
    assert "max-age" in response.headers["cache-control"]
    again = client.get(f"/static/{name}", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("name", ["../pyproject.toml", "missing.js", "x.py"])
def test_unknown_assets_are_404(client: Any, name: str) -> None:
    assert client.get(f"/static/{name}").status_code == 404


def test_plotly_asset_is_the_full_library() -> None:
    from app.web.assets import load_asset

    raw, packed, _ = load_asset("plotly.min.js")
    assert len(raw) > 1_000_000 and gzip.decompress(packed) == raw
    assert SEED_DAY.year == 2026
