"""Real browser (Debian's Chromium via Playwright) against the real app under uvicorn on the test database.

A vet adds a lameness score and a treatment and sees both on the Plotly timeline, and the pig's thumbnails
load as images; a manager resolves an identity suggestion; a viewer reads but cannot edit; a POST without the
form's CSRF token is refused. Screenshots of the pig page and pens overview (desktop
and phone widths) go to a temporary folder, or to docs/img/ui-*.png with ``PIGWATCH_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.app.web.seed import Seeded, seed_pen

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "browser test password"
REPO_ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime.now(UTC).date()
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(settings: Any, committed_db: Any) -> Iterator[str]:
    """The real app (``create_app(settings)``) under uvicorn on a free localhost port; yields its base URL."""
    import uvicorn

    from app.main import create_app

    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start within 30 s"
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def seeded(committed_db: Any, settings: Any) -> tuple[Seeded, dict[str, str]]:
    """Seed rows (45 days, thumbnails in the media store) and one user per role; returns the ids and
    ``{role: email}``."""
    from app.auth.schemas import UserCreate
    from app.auth.service import create_user

    with committed_db() as session:
        ids = seed_pen(session, days=45, end=TODAY, media_dir=Path(settings.media_dir))
        emails = {}
        for role in ("viewer", "vet", "manager"):
            emails[role] = f"{role}@farm.test"
            create_user(session, UserCreate(email=emails[role], role=role, password=PASSWORD))  # type: ignore[arg-type]
        session.commit()
    return ids, emails


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (launching it costs seconds on this machine)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (Debian's chromium package is needed for browser tests)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def signed_in_page(browser: Any, base: str, email: str, viewport: str = "desktop") -> Any:
    page = browser.new_context(viewport=VIEWPORTS[viewport], base_url=base).new_page()
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def timeline_traces(page: Any) -> dict[str, Any]:
    """``{trace name: {"x", "y", "text"}}`` read from the drawn Plotly figure in the page."""
    page.wait_for_function("document.getElementById('timeline') && document.getElementById('timeline').data")
    return dict(
        page.evaluate(
            "Object.fromEntries(document.getElementById('timeline').data.map("
            "t => [t.name, {x: t.x, y: t.y, text: t.text || null}]))"
        )
    )


def screenshot_dir(tmp_path: Path) -> Path:
    return REPO_ROOT / "docs" / "img" if os.environ.get("PIGWATCH_UPDATE_SCREENSHOTS") == "1" else tmp_path


def test_vet_records_show_on_the_timeline(
    browser: Any, live_server: str, seeded: Any, tmp_path: Path
) -> None:
    ids, emails = seeded
    page = signed_in_page(browser, live_server, emails["vet"])
    page.click("text=Rosa")
    page.wait_for_url(f"**/pigs/{ids.pig_id}")
    page.click("text=+ Lameness score")
    page.select_option("select[name=scale_max]", "5")
    page.fill("input[name=score]", "4")
    page.fill("input[name=scored_at]", f"{TODAY - timedelta(days=1)}T10:00")
    page.click("button:has-text('Save')")
    page.wait_for_url(f"**/pigs/{ids.pig_id}*")
    page.click("text=+ Health event")
    page.select_option("select[name=kind]", "treatment")
    page.fill("input[name=occurred_at]", f"{TODAY - timedelta(days=2)}T09:30")
    page.fill("input[name=product]", "Tulathromycin")
    page.fill("input[name=dose]", "2.5 ml")
    page.fill("input[name=withdrawal_end]", str(TODAY + timedelta(days=20)))
    page.click("button:has-text('Save')")
    page.wait_for_url(f"**/pigs/{ids.pig_id}*")
    traces = timeline_traces(page)
    assert 4 in traces["Lameness score"]["y"]
    assert any("Tulathromycin 2.5 ml" in text for text in traces["Treatments"]["text"])
    assert any(x.startswith(str(TODAY + timedelta(days=20))) for x in traces["Withdrawal end"]["x"])
    assert page.locator("#records").inner_text().count("Tulathromycin") == 1
    thumbs = page.locator("#thumbnails img")
    assert thumbs.count() == 2
    thumbs.first.scroll_into_view_if_needed()
    page.wait_for_function("[...document.querySelectorAll('#thumbnails img')].every(i => i.complete)")
    widths = page.evaluate("[...document.querySelectorAll('#thumbnails img')].map(i => i.naturalWidth)")
    assert len(widths) == 2 and all(0 < w <= 128 for w in widths)  # decoded JPEGs, not broken images


def test_manager_resolves_an_identity_suggestion(browser: Any, live_server: str, seeded: Any) -> None:
    ids, emails = seeded
    page = signed_in_page(browser, live_server, emails["manager"])
    page.click("nav >> text=Identity review")
    card = page.locator(f"#suggestion-{ids.suggested_track_id}")
    assert "Bella" in card.inner_text()
    card.locator("button:has-text('Confirm')").click()
    page.wait_for_url("**/identity")
    assert page.locator(f"#suggestion-{ids.suggested_track_id}").count() == 0
    assert f"track {ids.suggested_track_id}" in page.locator("text=Audit trail >> xpath=..").inner_text()


def test_viewer_reads_but_cannot_edit(browser: Any, live_server: str, seeded: Any, tmp_path: Path) -> None:
    ids, emails = seeded
    page = signed_in_page(browser, live_server, emails["viewer"])
    page.goto(f"/pigs/{ids.pig_id}")
    assert "Penicillin" in page.locator("#records").inner_text()
    assert page.locator("main form[method=post]").count() == 0
    assert page.locator("text=+ Lameness score").count() == 0
    url = f"/pigs/{ids.pig_id}/records/lameness/new"
    forged = page.request.post(url, form={"scale_max": "3", "score": "1"})
    assert forged.status == 403 and "security token" in forged.text()
    token = page.get_attribute("header form input[name=csrf_token]", "value")
    response = page.request.post(url, form={"scale_max": "3", "score": "1", "csrf_token": token})
    assert response.status == 403 and "may not change this" in response.text()
    page.goto(f"/pigs/{ids.pig_id}/records/weight/new")
    assert "may not change this" in page.inner_text("main")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_screenshots(browser: Any, live_server: str, seeded: Any, tmp_path: Path, viewport: str) -> None:
    ids, emails = seeded
    out = screenshot_dir(tmp_path)
    page = signed_in_page(browser, live_server, emails["vet"], viewport)
    page.screenshot(path=str(out / f"ui-pens-{viewport}.png"), full_page=True)
    page.goto(f"/pigs/{ids.sick_pig_id}")
    traces = timeline_traces(page)
    assert traces["Feeder visits"]["y"][-1] == 4
    page.screenshot(path=str(out / f"ui-pig-{viewport}.png"), full_page=True)
    assert (out / f"ui-pig-{viewport}.png").stat().st_size > 10_000
    for name in ("alerts", "identity"):
        page.goto(f"/{name}")
        page.wait_for_load_state("load")
        page.screenshot(path=str(out / f"ui-{name}-{viewport}.png"), full_page=True)
