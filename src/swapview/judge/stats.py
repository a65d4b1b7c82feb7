"""How far the judge agrees with the reviewer: agreement, Cohen's kappa, confusion table.

The reviewer's tag counts by its kind (regression = new_worse, improvement = new_better,
neutral = same; skips and untagged pairs are left out), so the judge is measured on the
same three labels it gives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from ..tagkinds import TagKinds, kind_of
from .protocol import VERDICTS
from .verdicts import JudgeKey, combined_verdicts

KIND_TO_VERDICT = {"regression": "new_worse", "improvement": "new_better", "neutral": "same"}
Z95 = 1.959964


@dataclass(slots=True)
class Kappa:
    kappa: float | None
    low: float | None
    high: float | None
    agreement: float | None
    n: int


def cohen_kappa(pairs: list[tuple[str, str]], labels: tuple[str, ...] = VERDICTS) -> Kappa:
    """Cohen's kappa of (reviewer, judge) labels with a 95% interval (large-sample SE).

    The standard error is the simple one, sqrt(po(1-po) / (n (1-pe)^2)); with perfect
    chance agreement (one label only) kappa is undefined (None).
    """
    n = len(pairs)
    if n == 0:
        return Kappa(None, None, None, None, 0)
    po = sum(a == b for a, b in pairs) / n
    pe = sum(
        (sum(a == lab for a, _ in pairs) / n) * (sum(b == lab for _, b in pairs) / n)
        for lab in labels
    )
    if pe >= 1.0:
        return Kappa(None, None, None, round(po, 4), n)
    kappa = (po - pe) / (1 - pe)
    se = math.sqrt(po * (1 - po) / (n * (1 - pe) ** 2))
    return Kappa(
        round(kappa, 4),
        round(max(-1.0, kappa - Z95 * se), 4),
        round(min(1.0, kappa + Z95 * se), 4),
        round(po, 4),
        n,
    )


@dataclass
class Calibration:
    judge: JudgeKey
    judged: int
    inconsistent: int
    kappa: Kappa
    confusion: dict[str, dict[str, int]]  # reviewer label -> judge label -> count
    disagreeing: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        """One line: how far the judge agrees with the tags, for the review app."""
        k = self.kappa
        head = f"judge {self.judge.model}: {self.judged:,} judged"
        if self.inconsistent:
            head += f" ({self.inconsistent:,} inconsistent between orders)"
        if k.n == 0:
            return head + "; none tagged yet, so no agreement to measure"
        kappa = (
            "κ undefined (one label only)"
            if k.kappa is None
            else (f"κ {k.kappa:.2f} (95% {k.low:.2f} to {k.high:.2f})")
        )
        disagree = len(self.disagreeing)
        return (
            f"{head}; agrees with the tags on {k.agreement:.0%} of {k.n:,}, {kappa};"
            f" {disagree:,} disagree (filter: the judge disagrees)"
        )

    def as_dict(self) -> dict[str, Any]:
        k = self.kappa
        return {
            "judge_model": self.judge.model,
            "rubric_hash": self.judge.rubric_hash,
            "judged": self.judged,
            "inconsistent": self.inconsistent,
            "both": k.n,
            "agreement": k.agreement,
            "kappa": k.kappa,
            "kappa_low": k.low,
            "kappa_high": k.high,
            "confusion": self.confusion,
            "disagreeing": self.disagreeing,
        }


def calibration(
    db: Database, comparison_id: int, key: JudgeKey, kinds: TagKinds | None = None
) -> Calibration:
    """The judge against the reviewer's current decisions on the pairs both judged."""
    verdicts = combined_verdicts(db, comparison_id, key)
    tags = {
        r[0]: (r[1], r[2])
        for r in db.execute(
            "SELECT d.pair_id, d.tag, p.key FROM decisions d JOIN pairs p ON p.id = d.pair_id"
            " WHERE p.comparison_id = ? AND d.tag IS NOT NULL AND d.stale = 0",
            [comparison_id],
        )
    }
    both: list[tuple[str, str]] = []
    confusion = {r: {j: 0 for j in VERDICTS} for r in VERDICTS}
    disagreeing = []
    for pid, pv in sorted(verdicts.items()):
        if pid not in tags:
            continue
        tag, pkey = tags[pid]
        reviewer = KIND_TO_VERDICT.get(kind_of(tag, kinds))
        if reviewer is None:
            continue
        judge = pv.combined.verdict
        both.append((reviewer, judge))
        confusion[reviewer][judge] += 1
        if reviewer != judge:
            disagreeing.append(
                {
                    "key": pkey,
                    "tag": tag,
                    "judge": judge,
                    "confidence": pv.combined.confidence,
                    "rationale": pv.rationale,
                }
            )
    inconsistent = sum(pv.combined.inconsistent for pv in verdicts.values())
    return Calibration(key, len(verdicts), inconsistent, cohen_kappa(both), confusion, disagreeing)
