"""The pig page's timeline: behaviour budget, activity, feeder/drinker, weight, lameness, health, identity.

All rows share one date axis; health events are marked over every row and withdrawal periods shaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.animals.models import Animal
from app.health.models import HealthEvent, Weight
from app.summaries.models import DailySummary
from app.web import charts, queries
from app.web.charts import BEHAVIOUR_COLOURS, Row
from models.pipeline.types import BEHAVIOURS

ROWS = (
    Row("behaviour h/day", 2.2),
    Row("activity", 1.0),
    Row("visits/day", 1.0),
    Row("dwell min/day", 1.0),
    Row("weight kg", 1.2),
    Row("lameness", 0.9),
    Row("", 0.7),
    Row("ID conf.", 0.8),
)
HEALTH_Y = {"observation": 0, "diagnosis": 1, "treatment": 2}
EVENT_COLOURS = {"diagnosis": "#c62828", "treatment": "#1565c0", "observation": "#6d4c41"}
FULL_DAY_S = 24 * 3600


@dataclass
class Timeline:
    """The figure (Plotly dict), the notes under it (sampling, ADG) and the records it shows."""

    figure: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    events: list[HealthEvent] = field(default_factory=list)
    scores: list[Any] = field(default_factory=list)
    weights: list[Weight] = field(default_factory=list)


def behaviour_days(
    session: Session, animal_id: int, summaries: list[DailySummary], start: date, end: date
) -> tuple[dict[date, dict[str, float]], int]:
    """Seconds per behaviour per day (summaries, else raw bouts) and the number of days taken from bouts.

    Bouts are only read over the span of days that lack a summary (none when summaries cover the range).
    """
    days = {s.day: dict(s.behaviour_seconds) for s in summaries}
    missing = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    missing = [d for d in missing if d not in days]
    if not missing:
        return days, 0
    raw = queries.behaviour_seconds_from_bouts(session, animal_id, missing[0], missing[-1])
    from_bouts = {d: v for d, v in raw.items() if d not in days}
    return dict(sorted({**days, **from_bouts}.items())), len(from_bouts)


def behaviour_traces(days: dict[date, dict[str, float]]) -> list[dict[str, Any]]:
    """One stacked bar trace per behaviour seen in the range, hours per day."""
    seen = [b for b in BEHAVIOURS if any(b in v for v in days.values())]
    return [
        charts.bar_trace(
            b, list(days), [v.get(b, 0.0) / 3600 for v in days.values()], row=0, colour=BEHAVIOUR_COLOURS[b]
        )
        for b in seen
    ]


def summary_traces(summaries: list[DailySummary]) -> list[dict[str, Any]]:
    """Activity index, feeder/drinker visits per day and dwell minutes per day."""
    days = [s.day for s in summaries]
    return [
        charts.line_trace(
            "Activity index", days, [s.activity_index for s in summaries], row=1, colour="#455a64"
        ),
        charts.line_trace(
            "Feeder visits", days, [s.feeder_visits for s in summaries], row=2, colour="#2e7d32"
        ),
        charts.line_trace(
            "Drinker visits", days, [s.drinker_visits for s in summaries], row=2, colour="#00838f"
        ),
        charts.line_trace(
            "Feeder dwell",
            days,
            [s.feeder_dwell_s / 60 for s in summaries],
            row=3,
            colour="#2e7d32",
            dash="dot",
        ),
        charts.line_trace(
            "Drinker dwell",
            days,
            [s.drinker_dwell_s / 60 for s in summaries],
            row=3,
            colour="#00838f",
            dash="dot",
        ),
    ]


def average_daily_gain(points: list[tuple[date, float]]) -> float | None:
    """kg/day between the first and last weighing, or None with fewer than two days."""
    if len(points) < 2 or points[-1][0] == points[0][0]:
        return None
    return (points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0]).days


def weight_traces(
    weights: list[Weight], pen_means: list[tuple[date, float, int]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The pig's weights and the pen's mean weight per weighing day, with ADG of each in the names."""
    own = [(w.weighed_at.astimezone(UTC).date(), w.kg) for w in weights]
    pen = [(d, kg) for d, kg, _ in pen_means]
    own_adg, pen_adg = average_daily_gain(own), average_daily_gain(pen)
    notes = (
        [f"ADG {own_adg:.3f} kg/day (pen mean {pen_adg:.3f} kg/day)"]
        if own_adg is not None and pen_adg is not None
        else []
    )
    own_name = "Weight" + (f" (ADG {own_adg:.2f} kg/d)" if own_adg is not None else "")
    pen_name = "Pen mean" + (f" (ADG {pen_adg:.2f} kg/d)" if pen_adg is not None else "")
    traces = [
        charts.line_trace(
            own_name, [w.weighed_at for w in weights], [w.kg for w in weights], row=4, colour="#6a1b9a"
        ),
        charts.line_trace(
            pen_name, [d for d, _ in pen], [kg for _, kg in pen], row=4, colour="#9e9e9e", dash="dash"
        ),
    ]
    return traces, notes


def health_traces(events: list[HealthEvent]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Markers per event kind on the health row, withdrawal-end markers, and shapes over every row."""
    traces, shapes = [], []
    for kind, y in HEALTH_Y.items():
        chosen = [e for e in events if e.kind == kind]
        text = [event_label(e) for e in chosen]
        traces.append(
            charts.line_trace(
                kind.capitalize() + "s",
                [e.occurred_at for e in chosen],
                [y] * len(chosen),
                row=6,
                colour=EVENT_COLOURS[kind],
                mode="markers",
                text=text,
            )
        )
        shapes += [charts.marker_line(e.occurred_at, colour=EVENT_COLOURS[kind]) for e in chosen]
    withdrawn = [e for e in events if e.withdrawal_end is not None]
    ends = [datetime.combine(e.withdrawal_end, time(23, 59), UTC) for e in withdrawn if e.withdrawal_end]
    traces.append(
        charts.line_trace(
            "Withdrawal end",
            ends,
            [HEALTH_Y["treatment"]] * len(ends),
            row=6,
            colour="#e65100",
            mode="markers",
            text=[f"withdrawal end: {e.product}" for e in withdrawn],
        )
    )
    shapes += [
        charts.span_shape(e.occurred_at, end, colour="#e65100")
        for e, end in zip(withdrawn, ends, strict=True)
    ]
    return traces, shapes


def event_label(event: HealthEvent) -> str:
    """A one-line description of a health event for hover text and lists."""
    if event.kind == "treatment":
        parts = [event.product, event.dose, event.route]
        end = f", withdrawal until {event.withdrawal_end.isoformat()}" if event.withdrawal_end else ""
        return "treatment: " + " ".join(p for p in parts if p) + end
    if event.kind == "diagnosis":
        return f"diagnosis: {event.condition}" + (f" ({event.severity})" if event.severity else "")
    return f"note: {event.notes or ''}"[:120]


def observed_duration(seconds: float) -> str:
    """A duration for people: "2.5 h" from an hour up, "4 min" below, "30 s" below a minute."""
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def sampling_title(summaries: list[DailySummary]) -> str | None:
    """The timeline chart's title on sampled days (mean observed video under 23.5 h a day), else None."""
    if not summaries:
        return None
    mean_s = sum(s.observed_s for s in summaries) / len(summaries)
    if mean_s >= 23.5 * 3600:
        return None
    return f"Sampled video: about {observed_duration(mean_s)} a day observed; values are of observed time"


def sampling_notes(summaries: list[DailySummary], bout_days: int) -> list[str]:
    """Plain-language statement of how much of each day was observed (the pipeline may sample video)."""
    notes = []
    if summaries:
        mean_s = sum(s.observed_s for s in summaries) / len(summaries)
        if mean_s < 23.5 * 3600:
            notes.append(
                f"Sampled: about {observed_duration(mean_s)} of video observed per day; "
                "behaviour hours are of observed time."
            )
    if bout_days:
        notes.append(f"{bout_days} day(s) without a daily summary are summed from raw behaviour bouts.")
    return notes


def lameness_trace(scores: list[Any]) -> dict[str, Any]:
    """Lameness scores as markers; hover text names the scale."""
    text = [f"{s.score} of 0-{s.scale_max}" for s in scores]
    return charts.line_trace(
        "Lameness score",
        [s.scored_at for s in scores],
        [s.score for s in scores],
        row=5,
        colour="#bf360c",
        text=text,
    )


def identity_trace(rows: list[tuple[date, float, int]]) -> dict[str, Any]:
    """Mean identity (re-ID assignment) confidence per day of the animal's tracks."""
    text = [f"{n} tracks" for _, _, n in rows]
    return charts.line_trace(
        "ID confidence", [d for d, _, _ in rows], [c for _, c, _ in rows], row=7, colour="#37474f", text=text
    )


def build_timeline(session: Session, animal: Animal, start: date, end: date) -> Timeline:
    """The pig page figure for ``animal`` over the inclusive UTC day range ``[start, end]``."""
    summaries = queries.daily_summaries(session, [animal.id], start, end)
    days, bout_days = behaviour_days(session, animal.id, summaries, start, end)
    events, scores, weights = queries.health_rows(session, animal.id, start, end)
    pen_means = queries.pen_mean_weights(session, animal.pen_id, start, end) if animal.pen_id else []
    w_traces, adg_notes = weight_traces(weights, pen_means)
    h_traces, shapes = health_traces(events)
    confidence = queries.identity_confidence_by_day(session, animal.id, start, end)
    data = behaviour_traces(days) + summary_traces(summaries) + w_traces + [lameness_trace(scores)] + h_traces
    data.append(identity_trace(confidence))
    layout = charts.stacked_layout(ROWS, start=start, end=end, height_px=1100)
    layout["shapes"] = shapes
    layout["yaxis7"] |= {
        "tickvals": list(HEALTH_Y.values()),
        "ticktext": ["note", "diag.", "treat."],
        "range": [-0.6, 2.6],
    }
    layout["yaxis8"] |= {"range": [0, 1.05]}
    if title := sampling_title(summaries):
        layout["title"] = {"text": title, "x": 0, "xanchor": "left", "font": {"size": 12}}
    notes = sampling_notes(summaries, bout_days) + adg_notes
    figure = {"data": data, "layout": layout}
    return Timeline(figure=figure, notes=notes, events=events, scores=scores, weights=weights)
