"""Evaluation results: saved as JSON, printed as rich tables, drawn into a self-contained Plotly HTML page.

An `EvalResult` is one scored run (``kind`` = "tracking", "reid", "behaviour" or "resources"). The HTML
report embeds plotly.js (about 4.6 MB) so that it opens offline.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS: tuple[str, ...] = ("tracking", "reid", "behaviour", "resources")
PERCENT_KEYS = frozenset(
    {"mota", "motp", "idf1", "idp", "idr", "precision", "recall", "hota", "deta", "assa", "loca",
     "hota_alpha05", "rank1", "rank1_assigned", "map", "identity_false_merge_rate",
     "pairwise_false_merge_rate", "accuracy", "macro_f1"}
)  # fmt: skip
"""Fractions shown as percentages in tables and charts."""
HEADLINE = {
    "tracking": ("mota", "idf1", "hota", "deta", "assa", "motp", "recall", "precision"),
    "reid": ("rank1", "map", "identity_false_merge_rate", "pairwise_false_merge_rate"),
    "behaviour": ("accuracy", "macro_f1"),
}
"""Metrics drawn in the summary chart of each kind."""


@dataclass
class EvalResult:
    """One scored run.

    Attributes:
        kind: one of `KINDS`.
        name: label for tables and charts (e.g. the clip or model name).
        metrics: metric name -> number, or nested dicts/lists (per-class F1, confusion matrix).
        meta: inputs and options that produced it (paths, thresholds).
    """

    kind: str
    name: str
    metrics: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown result kind {self.kind!r}; expected one of {KINDS}")


def _json_safe(value: Any) -> Any:
    """NaN and infinities -> None, recursively (strict JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def save_results(results: list[EvalResult], path: str | Path) -> None:
    """Write results as a JSON list of ``{kind, name, metrics, meta}`` (NaN written as null)."""
    data = [
        _json_safe({"kind": r.kind, "name": r.name, "metrics": r.metrics, "meta": r.meta}) for r in results
    ]
    Path(path).write_text(json.dumps(data, indent=2) + "\n")


def load_results(path: str | Path) -> list[EvalResult]:
    """Read a file written by `save_results` (a single object is accepted too).

    Raises:
        ValueError: not JSON, or entries without kind/name/metrics.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        entries = data if isinstance(data, list) else [data]
        return [
            EvalResult(e["kind"], str(e["name"]), dict(e["metrics"]), dict(e.get("meta", {})))
            for e in entries
        ]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not an evaluation result file ({type(err).__name__}: {err})") from None


def format_value(key: str, value: Any) -> str:
    """Human-readable value: percentages for `PERCENT_KEYS`, integers for whole counts, "-" for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if key in PERCENT_KEYS:
        return f"{100 * value:.2f}%"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.4g}"


def scalar_metrics(result: EvalResult) -> dict[str, Any]:
    """The metrics of a result that are single numbers (or None), in their original order."""
    return {k: v for k, v in result.metrics.items() if v is None or isinstance(v, int | float)}


def results_table(result: EvalResult) -> Any:
    """A rich Table of one result's scalar metrics."""
    from rich.table import Table

    table = Table(title=f"{result.kind}: {result.name}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in scalar_metrics(result).items():
        table.add_row(key, format_value(key, value))
    for label, f1 in (result.metrics.get("per_class_f1") or {}).items():
        table.add_row(f"f1[{label}]", format_value("macro_f1", f1))
    return table
