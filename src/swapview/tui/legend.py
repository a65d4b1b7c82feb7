"""What the review screen's marks mean: the legend help shows under the keys.

Built from the tables that draw the marks (the tag badges, ``SIGNAL_SHORT``), so a new
tag or quirk abbreviation cannot appear on screen without its line here.
"""

from __future__ import annotations

from ..config import TagConfig
from .pair_list import SIGNAL_SHORT, tag_badge

# What each quirk signal means, by its name (⚑ name on the pair line; abbreviated in the
# queue's quirks column).
SIGNAL_MEANING = {
    "json_broke": "the new output no longer parses as JSON (or is now in a code fence)",
    "json_fixed": "the new output parses as JSON; the old one did not",
    "json_keys_changed": "JSON keys added or dropped",
    "json_types_changed": "a JSON value changed type (a number became a string, ...)",
    "refusal_appeared": "the new output refuses; the old one did not",
    "refusal_gone": "the old output refused; the new one answers",
    "markdown_changed": "formatting changed (lists, headings, code blocks, tables)",
    "language_changed": "the answer is in another language",
    "truncated": "the new output stops short (a token limit, or mid-sentence)",
    "empty_output": "the new output is empty",
    "much_shorter": "the new output is under half the old one's length",
    "much_longer": "the new output is over twice the old one's length",
}

MARKS = [
    ("·", "untagged"),
    ("…", "tag being saved (not yet written)"),
    ("▶", "the pair under the cursor (the one every key acts on)"),
    ("✎", "the pair has a note"),
    ("✓ corrected answer", "the reviewer's own answer, the ideal in exports (C, E)"),
    ("sem, lex", "semantic and lexical distance, old to new: 0 same, 1 unrelated"),
    ("len", "length change of the new output: -50% is half as long"),
    ("≫+", "the new output is over ten times as long (+1000% or more)"),
    ("-", "not measured: the comparison is not scored yet (swapview score)"),
    ("like", "the learned chance that the pair is a regression (order: regression)"),
    ("why", "what pushes that chance up, e.g. 'shorter by 60%', 'JSON broke'"),
    ("N% of numbers changed", "share of the old output's numbers missing from the new one"),
    ("final number differs", "the last number (often the answer) changed"),
    ("≋N", "the pair is in a cluster of N pairs that changed alike (c tags them all)"),
    ("⚑ name", "a quirk signal fired; below, each by its abbreviation in the quirks column"),
]


def legend_rows(tags: list[TagConfig]) -> list[tuple[str, str]]:
    """(mark, meaning) for every mark the review screen draws."""
    badges = [(tag_badge(t.name).strip(), f"tagged {t.name}") for t in tags]
    quirks = [
        (short, f"⚑ {name}: {SIGNAL_MEANING.get(name, name.replace('_', ' '))}")
        for name, short in SIGNAL_SHORT.items()
    ]
    return [*badges, *MARKS, *quirks]
