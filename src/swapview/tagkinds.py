"""What each tag counts as: a regression, an improvement, a neutral judgement or a skip.

The four default tags are their own kind. A custom tag from the config file says what it
counts as with ``counts_as`` ("wrong_fact" is a kind of regression); one that does not say
stays a judged pair that is neither (neutral), and so does a tag found in the database but
no longer in the config. Every number built on "regression" (the report's rate and gates,
the export's expected answer, the triage labels, the review progress line) goes through
these helpers, so the config's answer is used everywhere or nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

TagKind = Literal["regression", "improvement", "neutral", "skip"]
KINDS: tuple[TagKind, ...] = ("regression", "improvement", "neutral", "skip")
DEFAULT_KINDS: dict[str, TagKind] = {kind: kind for kind in KINDS}
# What a tag the kinds do not name counts as: judged, neither better nor worse.
UNNAMED_KIND: TagKind = "neutral"

TagKinds = Mapping[str, str]


def kind_of(tag: str, kinds: TagKinds | None = None) -> str:
    """The kind of one tag; defaults are their own kind, unknown tags neutral."""
    return (kinds or DEFAULT_KINDS).get(tag) or DEFAULT_KINDS.get(tag) or UNNAMED_KIND


def tags_of_kind(kind: TagKind, kinds: TagKinds | None = None) -> tuple[str, ...]:
    """Every tag name of one kind, the default name first (for SQL `IN (...)` parameters)."""
    named = [tag for tag in (kinds or {}) if kind_of(tag, kinds) == kind and tag != kind]
    return (kind, *sorted(named))


def count_of_kind(counts: Mapping[str, int], kind: TagKind, kinds: TagKinds | None = None) -> int:
    """How many of ``counts`` (per tag) are of one kind."""
    return sum(n for tag, n in counts.items() if kind_of(tag, kinds) == kind)


def sql_marks(values: tuple[str, ...]) -> str:
    """``?,?,?`` for an ``IN (...)`` list of ``values``."""
    return ",".join("?" * len(values))
