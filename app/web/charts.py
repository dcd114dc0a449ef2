"""Plotly figures as plain dicts (no figure validation, so a year of data renders in milliseconds).

A timeline figure stacks several rows on one shared time axis ``x`` (dates, UTC days); each row has its own
y axis (``y``, ``y2``...) placed by `row_domains`. Figures are serialised with `json.dumps` and drawn by
``Plotly.newPlot`` in the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from models.pipeline.types import BEHAVIOURS

BEHAVIOUR_COLOURS: dict[str, str] = dict(
    zip(
        BEHAVIOURS,
        ("#8d6e63", "#90caf9", "#66bb6a", "#26c6da", "#ffca28", "#5c6bc0", "#ef5350", "#ab47bc", "#ff8a65"),
        strict=True,
    )
)
GAP = 0.025


@dataclass(frozen=True)
class Row:
    """One row of a stacked timeline: its y-axis title and relative height."""

    title: str
    weight: float = 1.0


def row_domains(rows: Sequence[Row]) -> list[tuple[float, float]]:
    """Paper-coordinate ``(bottom, top)`` of each row, the first row on top, separated by `GAP`."""
    total = sum(row.weight for row in rows) or 1.0
    usable = 1.0 - GAP * max(len(rows) - 1, 0)
    domains, top = [], 1.0
    for row in rows:
        height = usable * row.weight / total
        domains.append((max(top - height, 0.0), top))
        top -= height + GAP
    return domains


def axis_name(index: int) -> str:
    """Plotly's trace axis reference of row ``index`` (0-based): ``y``, ``y2``, ``y3``..."""
    return "y" if index == 0 else f"y{index + 1}"


def stacked_layout(rows: Sequence[Row], *, start: date, end: date, height_px: int) -> dict[str, Any]:
    """Layout of a multi-row timeline with a range selector on the shared x axis."""
    layout: dict[str, Any] = {
        "barmode": "stack",
        "height": height_px,
        "margin": {"l": 56, "r": 12, "t": 36, "b": 90},
        "legend": {"orientation": "h", "y": -0.03, "yanchor": "top", "x": 0, "font": {"size": 11}},
        "hovermode": "x unified",
        "plot_bgcolor": "#fbfaf7",
        "xaxis": _time_axis(len(rows), start, end),
    }
    for index, (row, (bottom, top)) in enumerate(zip(rows, row_domains(rows), strict=True)):
        key = "yaxis" if index == 0 else f"yaxis{index + 1}"
        layout[key] = {
            "domain": [bottom, top],
            "title": {"text": row.title, "font": {"size": 11}},
            "fixedrange": True,
        }
    return layout


def _time_axis(n_rows: int, start: date, end: date) -> dict[str, Any]:
    """The shared date axis, anchored to the bottom row, with 1w/1m/3m/all buttons."""
    buttons = [
        {"count": 7, "label": "1w", "step": "day", "stepmode": "backward"},
        {"count": 1, "label": "1m", "step": "month", "stepmode": "backward"},
        {"count": 3, "label": "3m", "step": "month", "stepmode": "backward"},
        {"step": "all", "label": "all"},
    ]
    return {
        "type": "date",
        "anchor": axis_name(n_rows - 1),
        "range": [start.isoformat(), end.isoformat() + "T23:59:59"],
        "rangeselector": {"buttons": buttons, "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        "showspikes": True,
    }


def bar_trace(
    name: str, days: Sequence[date], values: Sequence[float], *, row: int, colour: str
) -> dict[str, Any]:
    """A bar trace (one bar per day) on row ``row``."""
    return {
        "type": "bar",
        "name": name,
        "x": [d.isoformat() for d in days],
        "y": [round(v, 3) for v in values],
        "yaxis": axis_name(row),
        "marker": {"color": colour},
        "hovertemplate": "%{y:.2f}",
    }


def line_trace(
    name: str,
    xs: Sequence[Any],
    values: Sequence[float | None],
    *,
    row: int,
    colour: str,
    dash: str = "solid",
    mode: str = "lines+markers",
    text: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A scatter trace on row ``row``; ``xs`` are dates or datetimes (ISO strings in the figure)."""
    trace: dict[str, Any] = {
        "type": "scatter",
        "mode": mode,
        "name": name,
        "x": [x.isoformat() for x in xs],
        "y": [None if v is None else round(v, 3) for v in values],
        "yaxis": axis_name(row),
        "line": {"color": colour, "dash": dash, "width": 2},
        "marker": {"color": colour, "size": 7},
    }
    if text is not None:
        trace["text"] = list(text)
    return trace


def span_shape(start: Any, end: Any, *, colour: str) -> dict[str, Any]:
    """A translucent band over every row from ``start`` to ``end`` (e.g. a withdrawal period)."""
    return {
        "type": "rect",
        "xref": "x",
        "yref": "paper",
        "x0": start.isoformat(),
        "x1": end.isoformat(),
        "y0": 0,
        "y1": 1,
        "fillcolor": colour,
        "opacity": 0.12,
        "line": {"width": 0},
        "layer": "below",
    }


def marker_line(at: Any, *, colour: str) -> dict[str, Any]:
    """A thin dotted vertical line over every row at ``at``."""
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": at.isoformat(),
        "x1": at.isoformat(),
        "y0": 0,
        "y1": 1,
        "line": {"color": colour, "width": 1, "dash": "dot"},
        "layer": "below",
    }
