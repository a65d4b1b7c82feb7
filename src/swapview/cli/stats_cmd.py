"""`swapview stats`."""

from __future__ import annotations

from ..stats import comparison_stats
from .app import State, echo_json, json_option, main, pass_state, say


@main.command()
@json_option
@pass_state
def stats(state: State, as_json: bool) -> None:
    """Counts per comparison: pairs, reviewed, tags, score summaries."""
    rows = comparison_stats(state.open_existing())
    if as_json:
        echo_json(rows, indent=2)
        return
    if not rows:
        say("No comparisons yet: load some pairs with `swapview load`.")
    for row in rows:
        say(_format(row))


def _format(row: dict) -> str:
    lines = [
        f"{row['comparison']}: {row['baseline_model'] or '?'} -> {row['candidate_model'] or '?'}",
        f"  pairs {row['pairs']}, reviewed {row['reviewed']}"
        + (f", stale {row['stale']}" if row["stale"] else ""),
    ]
    if row["tags"]:
        lines.append("  tags " + ", ".join(f"{t} {n}" for t, n in row["tags"].items()))
    s = row["scores"]
    if s:
        lines.append(
            f"  scored {s['scored']}, semantic mean {s['semantic_mean'] or 0:.3f}"
            f" max {s['semantic_max'] or 0:.3f}, lexical mean {s['lexical_mean'] or 0:.3f},"
            f" with quirks {s['with_signals']}"
        )
        if s["signals"]:
            lines.append("  signals " + ", ".join(f"{k} {v}" for k, v in s["signals"].items()))
    return "\n".join(lines)
