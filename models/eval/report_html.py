"""The self-contained Plotly HTML report of a list of `EvalResult`s."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from models.eval.report import HEADLINE, PERCENT_KEYS, EvalResult, format_value, scalar_metrics


def _nan_to_none(value: Any) -> Any:
    return None if value is None or value != value else value


def headline_figure(results: list[EvalResult], kind: str) -> Any:
    """Grouped bars of the headline metrics (percent) of every result of one kind."""
    import plotly.graph_objects as go

    keys = HEADLINE[kind]
    fig = go.Figure()
    for r in (r for r in results if r.kind == kind):
        values = [_nan_to_none(r.metrics.get(k)) for k in keys]
        fig.add_bar(name=r.name, x=list(keys), y=[None if v is None else 100 * v for v in values])
    fig.update_layout(title=f"{kind} (%)", barmode="group", yaxis_title="%", height=380)
    return fig


def confusion_figure(result: EvalResult) -> Any:
    """Heatmap of a behaviour result's confusion matrix (rows true, columns predicted)."""
    import plotly.graph_objects as go

    labels = result.metrics.get("labels", [])
    matrix = result.metrics.get("confusion", [])
    fig = go.Figure(go.Heatmap(z=matrix, x=labels, y=labels, colorscale="Blues", texttemplate="%{z}"))
    fig.update_layout(
        title=f"confusion: {result.name}", xaxis_title="predicted", yaxis_title="true", height=480,
        yaxis_autorange="reversed",
    )  # fmt: skip
    return fig


def per_class_f1_figure(results: list[EvalResult]) -> Any:
    """Grouped bars of per-class F1 (percent) of every behaviour result."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for r in results:
        f1 = r.metrics.get("per_class_f1") or {}
        fig.add_bar(
            name=r.name, x=list(f1), y=[None if _nan_to_none(v) is None else 100 * v for v in f1.values()]
        )
    fig.update_layout(title="behaviour: F1 per class (%)", barmode="group", yaxis_title="%", height=380)
    return fig


def report_figures(results: list[EvalResult]) -> list[Any]:
    """All charts of the report: headline bars per kind present, per-class F1 of behaviour results,
    then one confusion heatmap per behaviour result."""
    figures = [headline_figure(results, kind) for kind in HEADLINE if any(r.kind == kind for r in results)]
    behaviour = [r for r in results if r.kind == "behaviour"]
    if any(r.metrics.get("per_class_f1") for r in behaviour):
        figures.append(per_class_f1_figure(behaviour))
    figures += [confusion_figure(r) for r in behaviour if r.metrics.get("confusion")]
    return figures


def _table_html(result: EvalResult) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(format_value(k, v))}</td></tr>"
        for k, v in scalar_metrics(result).items()
    )
    return f"<h3>{html.escape(result.kind)}: {html.escape(result.name)}</h3><table>{rows}</table>"


def render_html(results: list[EvalResult], *, title: str = "pigwatch evaluation") -> str:
    """One HTML page with every chart and every result's table; plotly.js embedded (works offline)."""
    import plotly.io as pio

    charts = [
        pio.to_html(fig, full_html=False, include_plotlyjs=(k == 0))
        for k, fig in enumerate(report_figures(results))
    ]
    style = "body{font-family:sans-serif;margin:2em}td{padding:2px 12px;border-bottom:1px solid #ddd}"
    percent_note = ", ".join(sorted(PERCENT_KEYS & {k for r in results for k in r.metrics}))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>Shown as percentages: {html.escape(percent_note)}.</p>"
        + "".join(charts)
        + "".join(_table_html(r) for r in results)
        + "</body></html>"
    )


def write_html(results: list[EvalResult], path: str | Path, *, title: str = "pigwatch evaluation") -> None:
    """Write `render_html` to ``path``."""
    Path(path).write_text(render_html(results, title=title), encoding="utf-8")
