"""Charts for the dashboard, drawn on the server as SVG: no build step, no script, nothing inline that
the Content-Security-Policy would refuse (colours come from staff.css classes, not style attributes).

Every chart is an `<svg role="img">` named by its `<title>` and summarised in words by its `<desc>`
(what a screen reader announces); the page puts the same numbers in a table beside it, which is the
text alternative people can read and copy. Pure: plain values in, markup out; all text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

FONT = 16  # user units; the SVG scales with the page (staff.css), the tables beside it do not


@dataclass(frozen=True)
class Bar:
    """One bar: what it is, how long, and the number written at its end."""

    label: str
    value: float
    text: str


def _svg(chart_id: str, title: str, summary: str, width: int, height: int, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" focusable="false">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(summary)}</desc>' + "".join(body) + "</svg>"
    )


def _n(value: float) -> str:
    """A coordinate, short: 12, 12.5."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bars(chart_id: str, title: str, items: Sequence[Bar], maximum: float | None = None) -> Markup:
    """Horizontal bars, one per row, each with its label above it and its number at its end.

    `maximum` is the value of a full-width bar (100 for percentages); the largest value when None.
    The description lists every bar in words, in order.
    """
    width, bar_height, row = 480, 14, FONT + 26
    track = 360  # a full bar; the rest of the width holds the number after it
    top = max((b.value for b in items), default=0)
    full = maximum if maximum is not None else top
    body = []
    for i, b in enumerate(items):
        y = i * row
        length = 0.0 if not full else max(0.0, min(1.0, b.value / full)) * track
        body.append(f'<text class="chart__label" x="0" y="{_n(y + FONT)}">{escape(b.label)}</text>')
        body.append(f'<rect class="chart__track" x="0" y="{_n(y + FONT + 6)}" width="{track}" height="{bar_height}"/>')
        if length > 0:
            body.append(
                f'<rect class="chart__bar" x="0" y="{_n(y + FONT + 6)}" width="{_n(max(length, 2))}" height="{bar_height}"/>'
            )
        body.append(
            f'<text class="chart__value" x="{_n(length + 6)}" y="{_n(y + FONT + 6 + bar_height - 2)}">{escape(b.text)}</text>'
        )
    summary = "；".join(f"{b.label}：{b.text}" for b in items) + "。" if items else "没有数据。"
    return _svg(chart_id, title, summary, width, max(row * len(items), row), body)


def columns(
    chart_id: str, title: str, points: Sequence[tuple[str, int]], unit: str = "", label_every: int = 5
) -> Markup:
    """Vertical columns over time (questions per day), every `label_every`-th labelled below, the
    largest value marked on the axis. The description gives the total, the busiest and quietest days."""
    width, height, left, bottom, top_pad = 600, 240, 44, 30, 12
    plot_w, plot_h = width - left - 4, height - bottom - top_pad
    top = max((v for _, v in points), default=0)
    scale_top = max(top, 1)
    slot = plot_w / max(len(points), 1)
    body = [
        f'<line class="chart__axis" x1="{left}" y1="{_n(top_pad + plot_h)}" x2="{width - 4}" y2="{_n(top_pad + plot_h)}"/>',
        f'<line class="chart__grid" x1="{left}" y1="{top_pad}" x2="{width - 4}" y2="{top_pad}"/>',
        f'<text class="chart__tick" x="{left - 6}" y="{_n(top_pad + 5)}" text-anchor="end">{scale_top}</text>',
        f'<text class="chart__tick" x="{left - 6}" y="{_n(top_pad + plot_h)}" text-anchor="end">0</text>',
    ]
    for i, (label, value) in enumerate(points):
        x = left + i * slot
        h = plot_h * value / scale_top
        if value:
            body.append(
                f'<rect class="chart__bar" x="{_n(x + slot * 0.15)}" y="{_n(top_pad + plot_h - h)}" '
                f'width="{_n(slot * 0.7)}" height="{_n(max(h, 1))}"><title>{escape(label)}：{value}{escape(unit)}</title></rect>'
            )
        if i % label_every == 0 or i == len(points) - 1:
            body.append(
                f'<text class="chart__tick" x="{_n(x + slot / 2)}" y="{height - 8}" text-anchor="middle">{escape(label)}</text>'
            )
    if points:
        total = sum(v for _, v in points)
        busiest = max(points, key=lambda p: p[1])
        quietest = min(points, key=lambda p: p[1])
        summary = (
            f"共 {len(points)} 天，合计 {total}{unit}；最多的一天是 {busiest[0]}（{busiest[1]}{unit}），"
            f"最少的一天是 {quietest[0]}（{quietest[1]}{unit}）。"
        )
    else:
        summary = "没有数据。"
    return _svg(chart_id, title, summary, width, height, body)
