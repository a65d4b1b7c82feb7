"""The shift charts as inline SVG, drawn by matplotlib (no JavaScript, nothing fetched).

Glyphs are embedded as paths (matplotlib's default svg.fonttype), so the page needs no font.
"""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")  # no display here, and none wanted

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..shift import stats  # noqa: E402
from ..shift.measures import Measure  # noqa: E402
from ..shift.slices import Slice  # noqa: E402

OLD, NEW = "#7f8c8d", "#d35400"
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)


def to_svg(fig: plt.Figure) -> str:
    """The figure as an <svg> element to inline (XML prologue and DOCTYPE dropped)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return _PROLOGUE.sub("", buf.getvalue(), count=1)


def length_histogram(old: np.ndarray, new: np.ndarray, unit: str = "words") -> str:
    """Answer lengths, old over new, on shared bins."""
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    top = float(np.quantile(np.r_[old, new], 0.99)) if len(old) else 1.0
    bins = np.linspace(0, max(top, 1.0), 40)
    ax.hist(np.clip(old, 0, bins[-1]), bins=bins, color=OLD, alpha=0.6, label="old")
    ax.hist(np.clip(new, 0, bins[-1]), bins=bins, color=NEW, alpha=0.6, label="new")
    ax.set_xlabel(f"answer length ({unit}; the last bin holds the top 1%)")
    ax.set_ylabel("pairs")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig)


def rate_bars(measure: Measure, slices: list[Slice], field: str) -> str:
    """Old and new rate per value of one slice field, each with its Wilson interval."""
    chosen = [s for s in slices if s.field == field]
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.45 * len(chosen) + 0.6))
    y = np.arange(len(chosen))
    for offset, side, colour in ((-0.18, measure.old, OLD), (0.18, measure.new, NEW)):
        rates, errs = [], [[], []]
        for s in chosen:
            use = s.mask & measure.valid
            k, n = int(side[use].sum()), int(use.sum())  # type: ignore[index]
            low, high = stats.wilson(k, n)
            rate = k / n if n else 0.0
            rates.append(rate * 100)
            errs[0].append((rate - low) * 100)
            errs[1].append((high - rate) * 100)
        label = "old" if colour == OLD else "new"
        ax.barh(
            y + offset,
            rates,
            height=0.34,
            color=colour,
            xerr=errs,
            label=label,
            error_kw={"elinewidth": 1, "capsize": 2},
        )
    ax.set_yticks(y, [s.value for s in chosen])
    ax.invert_yaxis()
    ax.set_xlabel(f"{measure.name} by {field} (%, 95% Wilson interval)")
    ax.legend(frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig)
