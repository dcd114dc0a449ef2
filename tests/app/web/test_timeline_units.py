"""Plain-language sampling notes of the pig page's timeline (pure functions, no database)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.web.timeline import observed_duration, sampling_notes, sampling_title


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(14400.0, "4.0 h"), (3600.0, "1.0 h"), (240.0, "4 min"), (60.0, "1 min"), (24.0, "24 s"), (0.0, "0 s")],
)
def test_observed_duration_picks_a_readable_unit(seconds: float, text: str) -> None:
    assert observed_duration(seconds) == text


def test_sampled_demo_days_read_in_minutes_not_zero_hours() -> None:
    days = [SimpleNamespace(observed_s=24.0 * 8), SimpleNamespace(observed_s=24.0 * 12)]
    assert sampling_notes(days, 0)[0].startswith("Sampled: about 4 min of video observed per day")  # type: ignore[arg-type]


def test_full_days_need_no_sampling_note() -> None:
    assert sampling_notes([SimpleNamespace(observed_s=86400.0)], 2) == [  # type: ignore[list-item]
        "2 day(s) without a daily summary are summed from raw behaviour bouts."
    ]


def test_sampled_days_are_stated_in_the_chart_title() -> None:
    days = [SimpleNamespace(observed_s=72.0), SimpleNamespace(observed_s=60.0)]
    assert sampling_title(days) == (  # type: ignore[arg-type]
        "Sampled video: about 1 min a day observed; values are of observed time"
    )
    assert sampling_title([SimpleNamespace(observed_s=86400.0)]) is None  # type: ignore[list-item]
    assert sampling_title([]) is None
