"""Track thumbnails on the pig page and the identity review page, and the authenticated JPEG route."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.app.web.seed import Seeded, seed_pen


@pytest.fixture
def seeded(db_session: Any, settings: Any) -> Seeded:
    return seed_pen(db_session, media_dir=Path(settings.media_dir))


def image_ids(html: str, section_id: str) -> list[int]:
    """Thumbnail ids shown in the element ``id=section_id`` (up to its closing tag)."""
    match = re.search(rf'id="{section_id}".*?</section>', html, re.S)
    assert match, f"no {section_id} on the page"
    return [int(n) for n in re.findall(r'src="/media/thumbnails/(\d+)\.jpg"', match.group(0))]


def test_pig_page_shows_the_latest_thumbnails_with_their_time(
    client: Any, login: Any, seeded: Seeded
) -> None:
    login(client, "viewer")
    html = client.get(f"/pigs/{seeded.pig_id}").text
    assert image_ids(html, "thumbnails") == seeded.thumbnail_ids["Rosa"][::-1]  # newest first
    assert '<time datetime="2026-03-20T08:00:40+00:00">20 Mar 08:00</time>' in html
    other = client.get(f"/pigs/{seeded.other_pig_id}").text
    assert image_ids(other, "thumbnails") == seeded.thumbnail_ids["Bella"]


def test_pig_page_thumbnails_stop_at_the_range_end(client: Any, login: Any, seeded: Seeded) -> None:
    login(client, "viewer")
    html = client.get(f"/pigs/{seeded.pig_id}", params={"from": "2026-03-01", "to": "2026-03-19"}).text
    assert image_ids(html, "thumbnails") == [] and "No thumbnails of this pig up to 2026-03-19" in html


def test_identity_review_shows_the_track_beside_the_candidate(
    client: Any, login: Any, seeded: Seeded
) -> None:
    login(client, "viewer")
    html = client.get("/identity").text
    card = re.search(rf'id="suggestion-{seeded.suggested_track_id}".*?</section>', html, re.S)
    assert card
    track_side, candidate_side = card.group(0).split('class="vs"')
    ids = [int(n) for n in re.findall(r"/media/thumbnails/(\d+)\.jpg", track_side)]
    assert ids == seeded.thumbnail_ids["suggested"]
    ids = [int(n) for n in re.findall(r"/media/thumbnails/(\d+)\.jpg", candidate_side)]
    assert ids == seeded.thumbnail_ids["Bella"]


def test_thumbnail_route_serves_the_jpeg_to_a_viewer(
    client: Any, login: Any, seeded: Seeded, settings: Any, db_session: Any
) -> None:
    from app.tracking.models import TrackThumbnail

    thumbnail_id = seeded.thumbnail_ids["Rosa"][0]
    url = f"/media/thumbnails/{thumbnail_id}.jpg"
    assert client.get(url).status_code == 401
    login(client, "viewer")
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    row = db_session.get(TrackThumbnail, thumbnail_id)
    assert response.content == (Path(settings.media_dir) / row.media_path).read_bytes()
    assert response.content[:2] == b"\xff\xd8" and "private" in response.headers["cache-control"]
    assert client.get("/media/thumbnails/999999.jpg").status_code == 404


def test_thumbnail_route_accepts_an_api_key(client: Any, api_key_headers: Any, seeded: Seeded) -> None:
    url = f"/media/thumbnails/{seeded.thumbnail_ids['Bella'][0]}.jpg"
    assert client.get(url, headers=api_key_headers("viewer")).status_code == 200


@pytest.mark.parametrize("media_path", ["../outside.jpg", "thumbs/seed/gone.jpg"])
def test_thumbnail_route_never_leaves_the_media_store(
    client: Any, login: Any, seeded: Seeded, settings: Any, db_session: Any, media_path: str
) -> None:
    from app.tracking.models import TrackThumbnail

    (Path(settings.media_dir).parent / "outside.jpg").write_bytes(b"\xff\xd8 not yours")
    row = db_session.get(TrackThumbnail, seeded.thumbnail_ids["Rosa"][0])
    row.media_path = media_path
    db_session.commit()
    login(client, "viewer")
    assert client.get(f"/media/thumbnails/{row.id}.jpg").status_code == 404


def test_suggestions_api_lists_the_thumbnail_urls(client: Any, api_key_headers: Any, seeded: Seeded) -> None:
    headers = api_key_headers("manager")
    suggestions = client.get("/api/identity/suggestions", headers=headers).json()
    [suggestion] = [s for s in suggestions if s["id"] == seeded.suggested_track_id]
    own = [f"/media/thumbnails/{n}.jpg" for n in seeded.thumbnail_ids["suggested"]]
    assert suggestion["thumbnail_urls"] == own
    expected = [f"/media/thumbnails/{n}.jpg" for n in seeded.thumbnail_ids["Bella"]]
    assert suggestion["candidate_thumbnail_urls"] == expected
    assert client.get(expected[0], headers=headers).status_code == 200
