"""CSV rendering of daily summaries and content negotiation (``format=csv`` or ``Accept: text/csv``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from fastapi import Request
from fastapi.responses import Response

from app.summaries.schemas import SummaryRead
from models.pipeline.types import BEHAVIOURS

SUMMARY_COLUMNS: tuple[str, ...] = (
    "animal_id", "ear_tag", "day", "observed_s", "coverage",
    *(f"{b}_s" for b in BEHAVIOURS),
    "feeder_visits", "feeder_dwell_s", "drinker_visits", "drinker_dwell_s", "activity_index",
)  # fmt: skip
"""Columns of the summaries CSV; behaviour columns are seconds (``nose-to-nose_s`` keeps the class name)."""


def wants_csv(request: Request, fmt: str | None) -> bool:
    """True when the client asked for CSV by ``format=csv`` or (without ``format``) an Accept of text/csv."""
    if fmt is not None:
        return fmt == "csv"
    return "text/csv" in request.headers.get("accept", "")


def summary_row(item: SummaryRead) -> list[object]:
    """One CSV row (in `SUMMARY_COLUMNS` order); an unknown activity index is an empty cell."""
    seconds = [item.behaviour_seconds.get(b, 0.0) for b in BEHAVIOURS]
    return [
        item.animal_id, item.ear_tag or "", item.day.isoformat(), item.observed_s, round(item.coverage, 6),
        *seconds, item.feeder_visits, item.feeder_dwell_s, item.drinker_visits, item.drinker_dwell_s,
        "" if item.activity_index is None else item.activity_index,
    ]  # fmt: skip


def csv_response(
    columns: Iterable[str],
    rows: Iterable[list[object]],
    *,
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A ``text/csv; charset=utf-8`` attachment with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(columns))
    writer.writerows(rows)
    all_headers = {"Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})}
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=all_headers)
