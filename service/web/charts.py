"""The weekly report's charts as inline SVG, drawn on the server from the figures alone."""

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Every series colour has a contrast of at least 4.5:1 against white (WCAG AA for text), so
# that the legend and the lines stay readable; series also differ by dash, not colour only.
PALETTE = ("#1f5aa6", "#a14a00", "#2b7a2b", "#a02c7a", "#00707a", "#545454")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")
TEXT = "#1a1a1a"
MUTED = "#4d4d4d"
GRID = "#d9d9d9"
# The heat map's scale runs from almost white to dark blue (linear in sRGB).
HEAT_LOW = (0xEE, 0xF4, 0xFB)
HEAT_HIGH = (0x08, 0x30, 0x6B)
# Beyond any count or percentage the report draws; larger numbers are treated as no data,
# so that no axis arithmetic overflows.
LARGEST = 1e12

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
WIDTH = 720
HEIGHT = 320
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
MARGIN_TOP = 64
MARGIN_BOTTOM = 40
CHAR_WIDTH = 6.5  # of an 11 px label, on average: enough to keep labels apart

_WORDS = {
    "en": {
        "no_data": "No data",
        "series": "{name}: lowest {low} ({low_at}), highest {high} ({high_at}), "
        "latest {last} ({last_at}).",
        "gaps": "No data for {labels}.",
        "heat": "Highest {high} ({high_at}), lowest {low} ({low_at}), total {total}.",
        "cell_gap": "no data",
    },
    "da": {
        "no_data": "Ingen data",
        "series": "{name}: lavest {low} ({low_at}), højest {high} ({high_at}), "
        "senest {last} ({last_at}).",
        "gaps": "Ingen data for {labels}.",
        "heat": "Højest {high} ({high_at}), lavest {low} ({low_at}), i alt {total}.",
        "cell_gap": "ingen data",
    },
}
# Characters XML 1.0 does not allow at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Series:
    """One named row of figures; None is a gap (no data), not zero."""

    name: str
    values: Sequence[float | None]


def line_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_unit: str,
    y_max: float | None = None,
    lang: str = "en",
    chart_id: str | None = None,
) -> str:
    """A trend over x_labels (weeks), one line per series, broken where a value is None."""
    words = _words(lang)
    ident = _ident(chart_id, "line", title, x_labels, series, y_unit, y_max)
    rows = [_values(s.values, len(x_labels)) for s in series]
    present = [v for row in rows for v in row if v is not None]
    if not x_labels or not present:
        return _no_data(ident, title, words)
    axis = _Axis.fit(present, y_max)
    plot = _Plot(len(x_labels), legend_rows=_legend_rows(series))
    summary = _summary(series, rows, x_labels, y_unit, lang)
    parts = _frame(ident, title, summary, "line", height=plot.height)
    parts += _y_axis(axis, plot, y_unit, lang)
    parts += _x_axis(x_labels, plot)
    for index, (one, row) in enumerate(zip(series, rows, strict=True)):
        colour, dash = _style(index)
        parts.append(f'<g class="series" data-series="{index}">')
        # A lone value between gaps is a point without a line.
        for run in (run for run in _runs(row) if len(run) > 1):
            points = " L ".join(f"{plot.centre(i):.1f} {plot.y(axis, v):.1f}" for i, v in run)
            dashing = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<path class="line" d="M {points}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dashing}/>'
            )
        for i, value in enumerate(row):
            if value is None:
                continue
            label = f"{x_labels[i]}: {one.name} {_number(value, lang, y_unit)}"
            parts.append(
                f'<circle class="point" cx="{plot.centre(i):.1f}" cy="{plot.y(axis, value):.1f}" '
                f'r="3.5" fill="{colour}"><title>{_text(label)}</title></circle>'
            )
        parts.append("</g>")
    parts += _legend(series, plot, line=True)
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_unit: str = "",
    lang: str = "en",
    chart_id: str | None = None,
) -> str:
    """Grouped bars: for each label (an hour), one bar per series side by side."""
    words = _words(lang)
    ident = _ident(chart_id, "bar", title, labels, series, y_unit, None)
    rows = [_values(s.values, len(labels)) for s in series]
    present = [v for row in rows for v in row if v is not None]
    if not labels or not present:
        return _no_data(ident, title, words)
    axis = _Axis.fit(present, None)
    plot = _Plot(len(labels), legend_rows=_legend_rows(series))
    summary = _summary(series, rows, labels, y_unit, lang)
    parts = _frame(ident, title, summary, "bar", height=plot.height)
    parts += _y_axis(axis, plot, y_unit, lang)
    parts += _x_axis(labels, plot)
    group = plot.band * 0.8
    width = group / len(series)
    base = plot.y(axis, 0)
    for index, (one, row) in enumerate(zip(series, rows, strict=True)):
        colour, _ = _style(index)
        parts.append(f'<g class="series" data-series="{index}">')
        for i, value in enumerate(row):
            if value is None:
                continue
            x = plot.centre(i) - group / 2 + index * width
            top = plot.y(axis, value)
            label = f"{labels[i]}: {one.name} {_number(value, lang, y_unit)}"
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{min(top, base):.1f}" '
                f'width="{max(width - 1, 0.5):.1f}" height="{abs(base - top):.1f}" '
                f'fill="{colour}"><title>{_text(label)}</title></rect>'
            )
        parts.append("</g>")
    parts += _legend(series, plot, line=False)
    parts.append("</svg>")
    return "".join(parts)


def heat_map(
    *,
    title: str,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[int | None]],
    unit: str = "",
    lang: str = "en",
    chart_id: str | None = None,
) -> str:
    """A grid of rows (weekdays) by columns (hours), each cell shaded by its value."""
    words = _words(lang)
    ident = _ident(chart_id, "heat", title, row_labels, col_labels, values, unit)
    grid = [
        _values(values[r] if r < len(values) else [], len(col_labels))
        for r in range(len(row_labels))
    ]
    present = [(v, r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v is not None]
    if not row_labels or not col_labels or not present:
        return _no_data(ident, title, words)
    scale = _Axis.fit([v for v, _, _ in present], None, ticks=4)
    label_width = max(len(label) for label in row_labels) * CHAR_WIDTH + 12
    left = min(max(MARGIN_LEFT, label_width), WIDTH / 3)
    cell_w = (WIDTH - left - MARGIN_RIGHT) / len(col_labels)
    cell_h = min(28.0, max(12.0, 196 / len(row_labels)))
    top = MARGIN_TOP - 12
    height = top + cell_h * len(row_labels) + 76
    high = max(present, key=lambda p: p[0])
    low = min(present, key=lambda p: p[0])
    summary = words["heat"].format(
        high=_number(high[0], lang, unit),
        high_at=f"{row_labels[high[1]]} {col_labels[high[2]]}",
        low=_number(low[0], lang, unit),
        low_at=f"{row_labels[low[1]]} {col_labels[low[2]]}",
        total=_number(sum(v for v, _, _ in present), lang, unit),
    )
    parts = _frame(ident, title, summary, "heat", height=height)
    digits = max(len(_number(v, lang)) for v, _, _ in present)
    show_numbers = digits * CHAR_WIDTH * 0.9 <= cell_w - 2 and cell_h >= 14
    every = _every(col_labels, cell_w)
    for c, label in enumerate(col_labels):
        if c % every == 0:
            x = left + (c + 0.5) * cell_w
            parts.append(
                f'<text class="col-label" x="{x:.1f}" y="{top - 6:.1f}" text-anchor="middle" '
                f'font-size="11" fill="{MUTED}">{_text(label)}</text>'
            )
    for r, label in enumerate(row_labels):
        y = top + (r + 0.5) * cell_h
        parts.append(
            f'<text class="row-label" x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="{MUTED}">{_text(label)}</text>'
        )
        for c, value in enumerate(grid[r]):
            x = left + c * cell_w
            where = f"{label} {col_labels[c]}"
            if value is None:
                gap = f"{where}: {words['cell_gap']}"
                parts.append(
                    f'<rect class="cell gap" x="{x:.1f}" y="{top + r * cell_h:.1f}" '
                    f'width="{cell_w:.1f}" height="{cell_h:.1f}" fill="#ffffff" '
                    f'stroke="{GRID}"><title>{_text(gap)}</title>'
                    "</rect>"
                )
                continue
            fill = _heat(scale.share(value))
            parts.append(
                f'<rect class="cell" x="{x:.1f}" y="{top + r * cell_h:.1f}" '
                f'width="{cell_w:.1f}" height="{cell_h:.1f}" fill="{fill}" stroke="#ffffff">'
                f"<title>{_text(f'{where}: {_number(value, lang, unit)}')}</title></rect>"
            )
            if show_numbers:
                parts.append(
                    f'<text class="cell-value" x="{x + cell_w / 2:.1f}" y="{y + 4:.1f}" '
                    f'text-anchor="middle" font-size="10" fill="{_ink_on(fill)}">'
                    f"{_text(_number(value, lang))}</text>"
                )
    parts += _heat_legend(scale, left, top + cell_h * len(row_labels) + 28, unit, lang)
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class _Axis:
    """A value axis from low to high in round steps, covering every value given."""

    low: float
    high: float
    step: float

    @classmethod
    def fit(cls, values: Sequence[float], at_least: float | None, ticks: int = 5) -> "_Axis":
        low = min(0.0, *values)
        high = max(0.0, *values)
        if at_least is not None and math.isfinite(at_least) and abs(at_least) <= LARGEST:
            high = max(high, at_least)
        counts = all(float(v).is_integer() for v in values)
        if high == low:
            high = low + 1
        step = _round_step((high - low) / ticks, whole=counts)
        return cls(math.floor(low / step) * step, math.ceil(high / step) * step, step)

    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [self.low + i * self.step for i in range(count + 1)]

    def share(self, value: float) -> float:
        return (value - self.low) / (self.high - self.low)

    def decimals(self) -> int:
        return next(d for d in range(12) if abs(round(self.step, d) - self.step) < 1e-9 * self.step)


class _Plot:
    """Where the plot area lies and which x band each label gets."""

    def __init__(self, count: int, legend_rows: int) -> None:
        self.top = MARGIN_TOP + 18 * (legend_rows - 1)
        self.bottom = HEIGHT + 18 * (legend_rows - 1) - MARGIN_BOTTOM
        self.left = MARGIN_LEFT
        self.right = WIDTH - MARGIN_RIGHT
        self.height = self.bottom + MARGIN_BOTTOM
        self.band = (self.right - self.left) / count

    def centre(self, index: int) -> float:
        return self.left + (index + 0.5) * self.band

    def y(self, axis: _Axis, value: float) -> float:
        return self.bottom - axis.share(value) * (self.bottom - self.top)


def _round_step(raw: float, *, whole: bool) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) nearest above raw."""
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        step = multiple * magnitude
        if step >= raw * (1 - 1e-9) and (not whole or step.is_integer()):
            return step
    return 10.0 * magnitude if not whole else max(1.0, 10.0 * magnitude)


def _values(values: Sequence[float | None], count: int) -> list[float | None]:
    """Exactly count values, each finite and within range or None."""
    given = list(values[:count])
    given += [None] * (count - len(given))
    return [
        float(v) if v is not None and math.isfinite(v) and abs(v) <= LARGEST else None
        for v in given
    ]


def _runs(row: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The stretches of consecutive values; a None ends one."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, value in enumerate(row):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, value))
    if current:
        runs.append(current)
    return runs


def _frame(ident: str, title: str, summary: str, kind: str, height: float = 0) -> list[str]:
    height = height or HEIGHT
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{_text(FONT)}">',
        f'<title id="{ident}-title">{_text(title)}</title>',
        f'<desc id="{ident}-desc">{_text(summary)}</desc>',
        f'<text class="chart-title" x="{MARGIN_LEFT}" y="22" font-size="15" font-weight="600" '
        f'fill="{TEXT}">{_text(title)}</text>',
    ]


def _no_data(ident: str, title: str, words: dict[str, str]) -> str:
    parts = _frame(ident, title, words["no_data"], "empty", height=120)
    parts.append(
        f'<text class="no-data" x="{WIDTH / 2:.0f}" y="72" text-anchor="middle" font-size="13" '
        f'fill="{MUTED}">{_text(words["no_data"])}</text></svg>'
    )
    return "".join(parts)


def _y_axis(axis: _Axis, plot: _Plot, unit: str, lang: str) -> list[str]:
    parts = ['<g class="y-axis">']
    decimals = axis.decimals()
    for tick in axis.ticks():
        y = plot.y(axis, tick)
        parts.append(
            f'<line x1="{plot.left}" x2="{plot.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text class="tick" x="{plot.left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="{MUTED}">{_fixed(tick, decimals, lang)}</text>'
        )
    if unit:
        parts.append(
            f'<text class="unit" x="{plot.left - 6}" y="{plot.top - 10}" text-anchor="end" '
            f'font-size="11" fill="{MUTED}">{_text(unit)}</text>'
        )
    parts.append("</g>")
    return parts


def _x_axis(labels: Sequence[str], plot: _Plot) -> list[str]:
    parts = [
        '<g class="x-axis">',
        f'<line x1="{plot.left}" x2="{plot.right}" y1="{plot.bottom}" y2="{plot.bottom}" '
        f'stroke="{MUTED}" stroke-width="1"/>',
    ]
    every = _every(labels, plot.band)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(
                f'<text class="x-label" x="{plot.centre(i):.1f}" y="{plot.bottom + 18}" '
                f'text-anchor="middle" font-size="11" fill="{MUTED}">{_text(label)}</text>'
            )
    parts.append("</g>")
    return parts


def _every(labels: Sequence[str], band: float) -> int:
    """Show every n-th label so that neighbours do not overlap."""
    widest = max((len(label) for label in labels), default=1) * CHAR_WIDTH + 6
    return max(1, math.ceil(widest / band))


def _legend_rows(series: Sequence[Series]) -> int:
    return max(1, math.ceil(len(series) / 3))


def _legend(series: Sequence[Series], plot: _Plot, *, line: bool) -> list[str]:
    parts = ['<g class="legend">']
    column = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / 3
    for index, one in enumerate(series):
        colour, dash = _style(index)
        x = MARGIN_LEFT + (index % 3) * column
        y = 44 + 18 * (index // 3)
        if line:
            dashing = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x:.1f}" x2="{x + 22:.1f}" y1="{y - 4}" y2="{y - 4}" '
                f'stroke="{colour}" stroke-width="2"{dashing}/>'
            )
        else:
            parts.append(
                f'<rect x="{x + 6:.1f}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
            )
        name = one.name if len(one.name) <= 32 else one.name[:31] + "…"
        parts.append(
            f'<text x="{x + 28:.1f}" y="{y}" font-size="12" fill="{TEXT}">{_text(name)}</text>'
        )
    parts.append("</g>")
    return parts


def _heat_legend(scale: _Axis, left: float, y: float, unit: str, lang: str) -> list[str]:
    parts = ['<g class="legend">']
    decimals = scale.decimals()
    for i, tick in enumerate(scale.ticks()):
        x = left + i * 64
        fill = _heat(scale.share(tick))
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="20" height="14" fill="{fill}" '
            f'stroke="{GRID}"/><text x="{x + 26:.1f}" y="{y + 11:.1f}" font-size="11" '
            f'fill="{TEXT}">{_fixed(tick, decimals, lang)}</text>'
        )
    if unit:
        x = left + len(scale.ticks()) * 64
        parts.append(
            f'<text x="{x:.1f}" y="{y + 11:.1f}" font-size="11" fill="{TEXT}">{_text(unit)}</text>'
        )
    parts.append("</g>")
    return parts


def _summary(
    series: Sequence[Series],
    rows: Sequence[Sequence[float | None]],
    labels: Sequence[str],
    unit: str,
    lang: str,
) -> str:
    """In words what the chart shows, for those who cannot see it."""
    words = _words(lang)
    sentences = []
    for one, row in zip(series, rows, strict=True):
        points = [(v, labels[i]) for i, v in enumerate(row) if v is not None]
        if not points:
            sentences.append(f"{one.name}: {words['no_data'].lower()}.")
            continue
        low = min(points, key=lambda p: p[0])
        high = max(points, key=lambda p: p[0])
        sentences.append(
            words["series"].format(
                name=one.name,
                low=_number(low[0], lang, unit),
                low_at=low[1],
                high=_number(high[0], lang, unit),
                high_at=high[1],
                last=_number(points[-1][0], lang, unit),
                last_at=points[-1][1],
            )
        )
        gaps = [labels[i] for i, v in enumerate(row) if v is None]
        if gaps:
            sentences.append(words["gaps"].format(labels=", ".join(gaps)))
    return " ".join(sentences)


def _style(index: int) -> tuple[str, str]:
    return PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]


def _heat(share: float) -> str:
    share = min(1.0, max(0.0, share))
    channels = (round(lo + (hi - lo) * share) for lo, hi in zip(HEAT_LOW, HEAT_HIGH, strict=True))
    return "#" + "".join(f"{c:02x}" for c in channels)


def _ink_on(fill: str) -> str:
    """Black or white, whichever contrasts more with fill (at least 4.5:1 either way)."""
    return "#ffffff" if contrast(fill, "#ffffff") >= contrast(fill, "#000000") else "#000000"


def contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two #rrggbb colours."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def _number(value: float, lang: str, unit: str = "") -> str:
    """A figure as the page writes it: whole numbers bare, others with one decimal."""
    text = _fixed(value, 0 if float(value).is_integer() else 1, lang)
    return f"{text} {unit}" if unit else text


def _fixed(value: float, decimals: int, lang: str) -> str:
    text = f"{value:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace(".", ",") if lang == "da" else text


def _words(lang: str) -> dict[str, str]:
    return _WORDS.get(lang, _WORDS["en"])


def _text(value: str) -> str:
    """Text and attribute values escaped for XML, without characters XML cannot hold."""
    return escape(_NOT_XML.sub("", str(value)), quote=True)


def _ident(chart_id: str | None, kind: str, *inputs: object) -> str:
    """The prefix of the chart's element ids: given, or derived from its input so that the
    same chart is the same string and two charts on one page do not share ids."""
    if chart_id:
        return "chart-" + re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
    digest = hashlib.sha256(repr((kind, inputs)).encode("utf-8", "backslashreplace"))
    return f"chart-{kind}-{digest.hexdigest()[:12]}"
