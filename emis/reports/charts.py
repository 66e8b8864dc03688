"""Static charts for the Word reports (matplotlib), drawn in a CJK font that the project installs itself.

The font is Noto Sans CJK SC Regular from the `noto-cjk-sans-otc` package (a pinned dependency in
pyproject.toml): an OpenType collection whose faces are the JP, KR, SC, TC and HK variants. `register_cjk_font()`
adds the collection to matplotlib's font manager once per process (matplotlib registers every face of a
collection) and every chart asks for the SC face by family name, with no fallback to system fonts: a machine
without any CJK font draws the same chart as one with many.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FONT_FAMILY = "Noto Sans CJK SC"
COLOURS = ("#8fa8c8", "#206bc4", "#2fb344", "#f59f00")
THRESHOLD_COLOUR = "#d63939"


def font_file() -> Path:
    """The .ttc the font package installs (inside site-packages, never a system font)."""
    import noto_cjk_sans_otc

    return Path(str(noto_cjk_sans_otc.FONT_PATH))


@functools.cache
def register_cjk_font() -> str:
    """Add the package's CJK collection to matplotlib (once per process); returns the family charts use."""
    from matplotlib import font_manager

    path = font_file()
    if not path.exists():
        raise RuntimeError(f"CJK font missing: {path} (pip install noto-cjk-sans-otc)")
    manager = font_manager.fontManager
    manager.addfont(str(path))
    # A machine with Debian's fonts-noto-cjk has the same family names; drop those faces so that every
    # machine draws with the packaged file, whatever fonts it has.
    manager.ttflist = [entry for entry in manager.ttflist if entry.name != FONT_FAMILY or Path(entry.fname) == path]
    manager._findfont_cached.cache_clear()
    return FONT_FAMILY


def resolved_font():
    """matplotlib's FontEntry (path, face_index) for the charts' family; fails rather than fall back."""
    from matplotlib import font_manager

    register_cjk_font()
    return font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY), fallback_to_default=False)


def missing_glyphs(text: str) -> set[str]:
    """The characters of `text` that the charts' font has no glyph for (would show as tofu boxes)."""
    from matplotlib import font_manager

    font = font_manager.get_font(resolved_font())
    return {ch for ch in set(text) if not ch.isspace() and font.get_char_index(ord(ch)) == 0}


@dataclass
class Chart:
    """A bar chart: one bar per category for each series (grouped when there are several), horizontal or not.

    `threshold` draws a reference line (a national standard) labelled `threshold_label`."""

    key: str
    title: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    unit: str = "%"
    horizontal: bool = True
    threshold: float | None = None
    threshold_label: str = ""

    def all_text(self) -> str:
        """Every string the chart draws (for the glyph check)."""
        numbers = [_label(v, self.unit) for _, values in self.series for v in values if v is not None]
        return "".join(
            [self.title, *self.categories, *(name for name, _ in self.series), self.threshold_label, *numbers]
        )


def _label(value: float, unit: str) -> str:
    return f"{value:.2f}{unit}" if unit == "%" else f"{value:g}{unit}"


def _font(size: float):
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=register_cjk_font(), size=size)


def render_png(chart: Chart, *, dpi: int = 160, width_cm: float = 16.0) -> bytes:
    """The chart as PNG bytes. Uses matplotlib's object API and passes the font to every text it draws (no pyplot
    and no rcParams changes), so charts can be drawn in several threads of a web process at once."""
    from matplotlib.figure import Figure

    rows = max(len(chart.categories), 1)
    groups = max(len(chart.series), 1)
    inches = width_cm / 2.54
    if chart.horizontal:
        height = min(max(1.5 + rows * (0.2 + 0.14 * groups), 2.6), 8.0)
    else:
        height = 3.6
    figure = Figure(figsize=(inches, height), dpi=dpi)
    axes = figure.add_subplot()
    _draw_bars(axes, chart, rows, groups)
    axes.set_title(chart.title, fontproperties=_font(11), pad=10)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        label.set_fontproperties(_font(9))
    handles, _labels = axes.get_legend_handles_labels()
    if len(handles) > 1:
        # Below the plot, so that it never covers a bar.
        axes.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.08 if chart.horizontal else -0.18),
            ncol=len(handles),
            prop=_font(8),
            frameon=False,
        )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _draw_bars(axes, chart: Chart, rows: int, groups: int) -> None:
    thickness = 0.8 / groups
    positions = list(range(rows))
    largest = max((v for _, values in chart.series for v in values if v is not None), default=0)
    if chart.threshold is not None:
        largest = max(largest, chart.threshold)
    small = _font(7)
    for index, (name, values) in enumerate(chart.series):
        offsets = [p - 0.4 + thickness * (index + 0.5) for p in positions]
        numbers = [0 if v is None else float(v) for v in values]
        colour = COLOURS[(index + (1 if groups == 1 else 0)) % len(COLOURS)]
        if chart.horizontal:
            bars = axes.barh(offsets, numbers, height=thickness * 0.92, color=colour, label=name or None)
        else:
            bars = axes.bar(offsets, numbers, width=thickness * 0.92, color=colour, label=name or None)
        for bar, value in zip(bars, values, strict=True):
            if value is None:
                continue
            text = _label(float(value), chart.unit)
            if chart.horizontal:
                x, y, align = bar.get_width() + largest * 0.01, bar.get_y() + bar.get_height() / 2, {"va": "center"}
            else:
                x, y = bar.get_x() + bar.get_width() / 2, bar.get_height() + largest * 0.01
                align = {"ha": "center", "va": "bottom"}
            axes.text(x, y, text, fontproperties=small, **align)
    if chart.horizontal:
        axes.set_yticks(positions, chart.categories)
        axes.invert_yaxis()
        axes.set_xlim(0, largest * 1.15 or 1)
    else:
        slanted = rows > 6
        axes.set_xticks(positions, chart.categories, rotation=45 if slanted else 0, ha="right" if slanted else "center")
        axes.set_ylim(0, largest * 1.15 or 1)
    if chart.threshold is not None:
        line = axes.axvline if chart.horizontal else axes.axhline
        line(chart.threshold, color=THRESHOLD_COLOUR, linestyle="--", linewidth=1, label=chart.threshold_label or None)


def render_all(charts: Sequence[Chart]) -> dict[str, bytes]:
    return {chart.key: render_png(chart) for chart in charts}
