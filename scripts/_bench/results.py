"""A measured figure beside its baseline, and the table, JSON and chart made from a run."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "BASELINE_COLOUR",
    "OURS",
    "OURS_COLOUR",
    "BarStyle",
    "Figure",
    "bar_styles",
    "format_table",
    "write_chart",
    "write_json",
]

TIMES = "\u00d7"  # the multiplication sign, as ratios are written
#: What a figure's ``ours`` measures unless it names another contender.
OURS = "openrouter-stt"
OURS_COLOUR = "#2b7bba"
BASELINE_COLOUR = "#b0b0b0"
#: Baselines share one colour; within a panel, each further one gets the next hatching.
HATCHES = ("", "//", "..", "xx", "\\\\")

#: How the ratio ``ours / baseline`` is judged against the bar.
Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Figure:
    """One measurement of ours beside the baseline measured the same way in the same run.

    ``bar`` is the ratio ours/baseline must stay under (``better="lower"``) or reach
    (``better="higher"``); ``None`` when the figure is reported without a bar. ``ours_name``
    names what ``ours`` measures when it is not openrouter-stt but another baseline, set
    beside the same reference (the official SDK beside raw httpx).
    """

    section: str
    name: str
    unit: str
    ours: float
    baseline: float
    baseline_name: str
    better: Better = "lower"
    bar: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    ours_name: str = OURS

    @property
    def ratio(self) -> float:
        """ours / baseline (infinite when the baseline is zero)."""
        return self.ours / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool | None:
        """Whether the ratio holds the bar; ``None`` without a bar."""
        if self.bar is None:
            return None
        return self.ratio <= self.bar if self.better == "lower" else self.ratio >= self.bar

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, with the ratio and the verdict."""
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


def _num(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def format_table(figures: Sequence[Figure]) -> str:
    """The figures as an aligned text table (also valid Markdown)."""
    rows = [("figure", "ours", "baseline", "ratio", "bar", "met")]
    for f in figures:
        bar = "—" if f.bar is None else ("≤ " if f.better == "lower" else "≥ ") + f"{f.bar:g}"
        met = {True: "yes", False: "NO", None: "—"}[f.met]
        rows.append(
            (
                f"{f.section}: {f.name}",
                f"{_num(f.ours)} {f.unit}",
                f"{_num(f.baseline)} {f.unit} ({f.baseline_name})",
                f"{f.ratio:.2f}{TIMES}",
                bar,
                met,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def write_json(path: Path, figures: Sequence[Figure], meta: dict[str, Any]) -> None:
    """Write the run: machine facts, options, and every figure with its ratio and verdict."""
    document = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        **meta,
        "figures": [f.to_dict() for f in figures],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class BarStyle:
    """How one bar is drawn, and the legend entry it shares with bars of the same name."""

    label: str
    colour: str
    hatch: str


def bar_styles(items: Sequence[Figure]) -> list[tuple[BarStyle, BarStyle]]:
    """The styles of each figure's two bars (``ours``, then ``baseline``): openrouter-stt in
    one colour, every baseline in another, told apart from each other by hatching."""
    hatches: dict[str, str] = {}
    # Reference baselines first, so that they keep the plain fill.
    for name in [f.baseline_name for f in items] + [f.ours_name for f in items]:
        if name != OURS and name not in hatches:
            hatches[name] = HATCHES[len(hatches) % len(HATCHES)]

    def style(name: str) -> BarStyle:
        if name == OURS:
            return BarStyle(name, OURS_COLOUR, "")
        return BarStyle(name, BASELINE_COLOUR, hatches[name])

    return [(style(f.ours_name), style(f.baseline_name)) for f in items]


def write_chart(path: Path, figures: Sequence[Figure], title: str) -> None:
    """One panel per section: ours beside the baseline for each figure, ratio over the pair."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    sections: dict[str, list[Figure]] = {}
    for f in figures:
        sections.setdefault(f.section, []).append(f)
    count = max(1, len(sections))
    cols = min(3, count)
    rows = (count + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.9 * rows), squeeze=False)
    for ax, (section, items) in zip(axes.flat, sections.items(), strict=False):
        width = 0.38
        legend: dict[str, Any] = {}
        for x, (f, styles) in enumerate(zip(items, bar_styles(items), strict=True)):
            for offset, value, style in ((-1, f.ours, styles[0]), (1, f.baseline, styles[1])):
                bars = ax.bar(
                    x + offset * width / 2,
                    value,
                    width,
                    color=style.colour,
                    hatch=style.hatch,
                    edgecolor="#5a5a5a" if style.hatch else style.colour,
                    linewidth=0,
                )
                legend.setdefault(style.label, bars)
            colour = {True: "#1a7f37", False: "#cf222e", None: "#444444"}[f.met]
            ax.annotate(
                f"{f.ratio:.2f}{TIMES}",
                (x, max(f.ours, f.baseline)),
                ha="center",
                va="bottom",
                fontsize=8,
                color=colour,
            )
        values = [v for f in items for v in (f.ours, f.baseline) if v > 0]
        if values and max(values) / min(values) > 20:
            ax.set_yscale("log")  # the SDK's figures dwarf ours: keep both readable
            # Plain numbers at 1, 2 and 5 of each decade, not powers of ten.
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xticks(range(len(items)))
        ax.set_xticklabels([f.name for f in items], fontsize=7, rotation=20, ha="right")
        ax.set_ylabel(items[0].unit, fontsize=8)
        references = {f.baseline_name for f in items}
        reference = f" (vs {items[0].baseline_name})" if len(references) == 1 else ""
        ax.set_title(section + reference, fontsize=9)
        # Several baselines: a wider legend above the bars rather than over them.
        crowded = len(legend) > 2
        ax.margins(y=0.45 if crowded else 0.18)
        ax.tick_params(axis="y", labelsize=7)
        # Ours first, then the baselines: the legend reads as the pairs do.
        names = sorted(legend, key=lambda name: name != OURS)
        ax.legend(
            [legend[name] for name in names],
            names,
            fontsize=7,
            **({"ncol": 2, "loc": "upper center"} if crowded else {}),
        )
    for ax in list(axes.flat)[len(sections) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
