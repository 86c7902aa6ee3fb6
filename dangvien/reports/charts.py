"""Charts drawn on the server as SVG: no script, no outside service, no inline style (the
CSP forbids it: colours are presentation attributes), readable in print. Every chart on
a page has its table beside it."""

import math
from html import escape

WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP, RIGHT = 48, 36, 16, 32  # room for the last axis label
BAR = "#8b1a1a"
LINE = "#1f4e79"
GRID = "#d0d4da"
TEXT = "#333333"


def _fmt(n: float) -> str:
    """Vietnamese digits: 7.650, 52,6."""
    if float(n).is_integer():
        return f"{int(n):,}".replace(",", ".")
    return f"{n:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5 (from 25 on), 5 × a power of ten that is ≥ `raw`, and
    at least 1: grid lines at 0, 250, 500… or 7.400, 7.600…, never 7.406 or 309 (counts
    of people are whole numbers)."""
    if raw <= 1:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw and (m != 2.5 or power >= 10):
            return m * power
    return 10 * power


def _frame(title: str, body: list[str], top: float, base: float = 0.0) -> str:
    """The frame: grid lines with values from `base` to `base + top`, then the body."""
    ticks = []
    for i in range(5):
        value = base + top * i / 4
        y = HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * i / 4
        ticks.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT}">{_fmt(round(value, 1))}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{''.join(ticks)}{''.join(body)}</svg>"
    )


def bar_chart(title: str, labels: list[str], values: list[float], marks=None) -> str:
    """Bars for `values`; `marks` (optional, same length) draws a line of reference values
    over them (e.g. the monthly pace a target needs)."""
    # Four steps of a round size: the five grid lines on round numbers, none named twice.
    top = 4 * nice_step(max([*values, *(marks or []), 1]) * 1.05 / 4)
    n = max(len(values), 1)
    slot = (WIDTH - LEFT - RIGHT) / n
    scale = (HEIGHT - BOTTOM - TOP) / top
    body = []
    step = max(1, n // 12)  # at most a dozen axis labels
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = value * scale
        x = LEFT + i * slot + slot * 0.15
        body.append(
            f'<rect x="{x:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{escape(label)}: {_fmt(value)}</title></rect>'
        )
        if i % step == 0:
            body.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
                f'text-anchor="middle" fill="{TEXT}">{escape(label)}</text>'
            )
    if marks:
        points = " ".join(
            f"{LEFT + (i + 0.5) * slot:.1f},{HEIGHT - BOTTOM - m * scale:.1f}"
            for i, m in enumerate(marks)
        )
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="2" '
            f'stroke-dasharray="6 4"/>'
        )
    return _frame(title, body, top)


def line_chart(title: str, labels: list[str], values: list[float]) -> str:
    """A line through `values` (e.g. members on 1 January of each year)."""
    # Four steps of a round size from a round base below the lowest value.
    low, high = min(values, default=0), max([*values, 1])

    def below(step: float) -> float:  # the lowest point is drawn above the bottom line
        return max(0.0, (math.ceil(low / step) - 1) * step)

    step = nice_step((high - low) * 1.1 / 4)
    while below(step) + 4 * step < high:
        step = nice_step(step * 1.01)
    base = below(step)
    top = base + 4 * step
    n = max(len(values) - 1, 1)
    span = (WIDTH - LEFT - RIGHT) / n
    scale = (HEIGHT - BOTTOM - TOP) / ((top - base) or 1)
    points = [(LEFT + i * span, HEIGHT - BOTTOM - (v - base) * scale) for i, v in enumerate(values)]
    body = [
        '<polyline points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        + f'" fill="none" stroke="{LINE}" stroke-width="2"/>'
    ]
    step = max(1, len(values) // 12)
    for i, ((x, y), label, v) in enumerate(zip(points, labels, values, strict=True)):
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE}">'
            f"<title>{escape(label)}: {_fmt(v)}</title></circle>"
        )
        if i % step == 0:
            body.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
                f'text-anchor="middle" fill="{TEXT}">{escape(label)}</text>'
            )
    return _frame(title, body, top - base, base)


def hbar_chart(title: str, labels: list[str], values: list[float], shares=None) -> str:
    """Horizontal bars, one row per category with its label on the left and its figure
    (and share, if given) at the end: for the structure breakdowns (sex, age bands,
    education…), whose labels are too long to stand under vertical bars."""
    label_w, row, gap = 190, 22, 6
    n = max(len(values), 1)
    height = TOP + n * row + 8
    top = max([*values, 1])
    span = WIDTH - LEFT - label_w - 90  # room on the right for "1.234 (52,6%)"
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + i * row
        w = span * value / top
        figure = _fmt(value) + (f" ({_fmt(shares[i])}%)" if shares is not None else "")
        body.append(
            f'<text x="{label_w - 6}" y="{y + row / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="{TEXT}">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + gap / 2:.1f}" width="{w:.1f}" '
            f'height="{row - gap}" fill="{BAR}"><title>{escape(label)}: {figure}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + row / 2 + 4:.1f}" font-size="11" '
            f'fill="{TEXT}">{figure}</text>'
        )
    body.append(
        f'<line x1="{label_w}" y1="{TOP - 2}" x2="{label_w}" y2="{TOP + n * row}" stroke="{GRID}"/>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart chart-bars">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )
