"""The report's judge section: how far the latest judge agrees with the reviewer.

Gate-able as ``judge.kappa``, ``judge.kappa_low``, ``judge.agreement``, ``judge.inconsistent``
(e.g. ``--fail-if 'judge.kappa<0.4'``: do not lean on a judge the reviewer disagrees with).
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ..report import Section
from .stats import Calibration, calibration
from .verdicts import latest_judge


def judge_section(db: Database, comparison: dict[str, Any]) -> Section | None:
    """Agreement, Cohen's kappa with its interval and the confusion table; None unjudged."""
    key = latest_judge(db, comparison["id"])
    if key is None:
        return None
    cal = calibration(db, comparison["id"], key, comparison.get("tag_kinds"))
    k = cal.kappa
    return Section(
        key="judge",
        title=f"Judge {key.model} against your tags",
        markdown=_markdown(cal),
        data=cal.as_dict(),
        metrics={
            "judge.judged": cal.judged,
            "judge.inconsistent": cal.inconsistent,
            "judge.both": k.n,
            "judge.agreement": k.agreement,
            "judge.kappa": k.kappa,
            "judge.kappa_low": k.low,
            "judge.kappa_high": k.high,
        },
    )


def _markdown(cal: Calibration) -> str:
    k = cal.kappa
    lines = [
        f"{cal.judged} pairs judged (rubric `{cal.judge.rubric_hash}`), {cal.inconsistent}"
        f" inconsistent between the two orders; {k.n} also tagged by you."
    ]
    if k.n == 0:
        return "\n".join([*lines, "", "No pair is both judged and tagged yet."])
    kappa = (
        "undefined (one label only)"
        if k.kappa is None
        else (f"{k.kappa:.2f} (95% interval {k.low:.2f} to {k.high:.2f})")
    )
    lines += ["", f"Agreement {k.agreement:.0%}, Cohen's kappa {kappa}.", ""]
    labels = list(cal.confusion)
    lines.append("| you \\ judge | " + " | ".join(labels) + " |")
    lines.append("|---|" + "---|" * len(labels))
    for rev, row in cal.confusion.items():
        lines.append(f"| {rev} | " + " | ".join(str(row[j]) for j in labels) + " |")
    if cal.disagreeing:
        lines += ["", "Where you disagree:"]
        lines += [
            f"- `{d['key']}`: you {d['tag']}, judge {d['judge']}" for d in cal.disagreeing[:10]
        ]
    return "\n".join(lines)
