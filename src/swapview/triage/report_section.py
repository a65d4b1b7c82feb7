"""The "estimated regressions remaining" section of `swapview report` (and its gate metrics)."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ..report import Section
from .estimate import describe_remaining
from .rate import describe_rate, estimated_rate
from .sampling import estimate_remaining


def remaining_section(db: Database, comparison: dict[str, Any]) -> Section | None:
    """Point estimate and interval of regressions among the unreviewed pairs."""
    # No band assignment here: on a large new comparison that means computing every
    # pair's features, which belongs in `swapview triage estimate` or the app's worker.
    est = estimate_remaining(db, comparison["id"], assign=False, kinds=comparison.get("tag_kinds"))
    if not est["unreviewed"]:
        return None
    text = describe_remaining(est)
    lines = [text[:1].upper() + text[1:] + "."]
    if not est["complete"]:
        lines.append(
            "Some bands have no random sample yet, so the upper bound counts all their pairs:"
            " `swapview triage sample` names random pairs to tag that narrow it."
        )
    elif est["suggest"]["pair_ids"]:
        lines.append(f"To narrow it: {est['suggest']['reason']}.")
    return Section(
        key="remaining",
        title="Estimated regressions remaining",
        markdown="\n".join(lines),
        data=est,
        metrics={
            "estimated_regressions_remaining": est["remaining"],
            "estimated_regressions_remaining_low": est["low"],
            "estimated_regressions_remaining_high": est["high"],
        },
    )


def rate_section(db: Database, comparison: dict[str, Any]) -> Section | None:
    """Regressions found (counted) apart from the whole comparison's estimated rate."""
    est = estimate_remaining(
        db, comparison["id"], assign=False, kinds=comparison.get("tag_kinds"), confidence=0.95
    )
    pairs = sum(b["pairs"] for b in est["bands"])
    if not pairs:
        return None
    rate = estimated_rate(est, pairs)
    return Section(
        key="rate",
        title="Regression rate: found and estimated",
        markdown=describe_rate(rate)[:1].upper()
        + describe_rate(rate)[1:]
        + "\n\nThe rate among tagged pairs above is not this one: the queue puts likely"
        " regressions first, so tagged pairs overstate the rate.",
        data=rate,
        metrics={
            "regressions_found": rate["found"],
            "regression_rate_estimated": rate["rate"],
            "regression_rate_estimated_low": rate["low"],
            "regression_rate_estimated_high": rate["high"],
        },
    )
