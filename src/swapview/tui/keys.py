"""The review app's keys: each a Binding with an id (the name ``[keys]`` remaps) and a
description (what help and the command palette show).

Movement belongs to the queue (``PairList.BINDINGS``, active as the queue has the focus
for the whole review, so a key never changes meaning as the reviewer moves). The detail
pane's scrolling (``diff_view.SCROLL_BINDINGS``) and views are bound on the screen for the
same reason. The screen binds what it decides: tags, notes, orders and filters, triage.
Tag keys come from the config, so they are made per screen.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from textual.binding import ActiveBinding, Binding

from ..config import TagConfig
from ..textsafe import visible
from .diff_view import SCROLL_BINDINGS
from .pair_list import PairList

# Tags shown in the footer; the others are in help and the command palette.
FOOTER_TAGS = ("regression", "improvement", "neutral", "skip")


def tag_bindings(tags: list[TagConfig]) -> list[Binding]:
    return [
        Binding(
            t.key,
            f"tag('{t.name}')",
            (t.label or t.name).capitalize(),
            id=f"tag_{t.name}",
            show=t.name in FOOTER_TAGS,
        )
        for t in tags
    ]


DECIDE_BINDINGS = [
    Binding("x", "tag('')", "Clear tag", id="clear_tag", show=False),
    Binding("u", "undo", "Undo", id="undo"),
    Binding("U,ctrl+r", "redo", "Redo", id="redo", show=False),
    Binding("a", "note", "Note", id="note"),
    Binding("e", "note_external", "Note in $EDITOR", id="note_external", show=False),
]

# The detail pane's views (with its scrolling, SCROLL_BINDINGS): bound on the screen, as
# the queue keeps the focus, and acted on through the screen's view state (its reactives).
DETAIL_BINDINGS = [
    Binding("v", "toggle_view('unified')", "Unified/side by side", id="toggle_unified", show=False),
    Binding("w", "toggle_view('wrap')", "Wrap", id="toggle_wrap", show=False),
    Binding(
        "W",
        "toggle_view('ignore_ws')",
        "Ignore whitespace & reflow",
        id="toggle_whitespace",
        show=False,
    ),
    Binding(
        "p",
        "toggle_view('prompt')",
        "Prompt: last question / all turns / one line",
        id="toggle_prompt",
        show=False,
    ),
    Binding("P", "scroll_prompt", "Prompt: scroll", id="scroll_prompt", show=False),
]

QUEUE_BINDINGS = [
    Binding("t", "toggle_untagged", "Untagged only", id="toggle_untagged", show=False),
    Binding("o", "pick_order", "Order", id="order"),
    Binding("f", "pick_filter", "Filter", id="filter"),
    Binding("F", "clear_filters", "Clear filters", id="clear_filters", show=False),
]

SAMPLE_TITLE = "Sample for the estimate"

TRIAGE_BINDINGS = [
    Binding("c", "tag_cluster", "Tag this cluster", id="tag_cluster", show=False),
    Binding("m", "more_like_this", "More like this", id="more_like_this", show=False),
    Binding("escape", "queue_back", "Back to the previous queue", id="queue_back", show=False),
    Binding("S", "sample_band", SAMPLE_TITLE, id="sample_band", show=False),
]

JUDGE_BINDINGS = [
    Binding(
        "V", "judge_agreement", "Judge: agreement with the tags", id="judge_agreement", show=False
    ),
]

VIEW_BINDINGS = [
    Binding("d", "shift_view", "What shifted", id="shift_view"),
    Binding("B", "coverage_view", "Blind spots of the eval suite", id="coverage_view", show=False),
]

APP_BINDINGS = [
    Binding("slash", "search", "Search", id="search"),
    Binding("colon", "jump", "Jump to key", id="jump", show=False),
    Binding("ctrl+l,R", "reload", "Reload queue", id="reload", show=False),
    Binding("question_mark", "help", "Help", id="help"),
    Binding("q", "quit_review", "Quit", id="quit", show=False),
]


# Reviewers sharing a database (appended last: help and snapshots keep their order).
REVIEWER_BINDINGS = [
    Binding("A", "second_look", "Second look (agreement)", id="second_look", show=False),
]

# A corrected answer: the text exports take as the ideal, edited from the new output.
CORRECT_BINDINGS = [
    Binding("C", "correct", "Correct the answer", id="correct", show=False),
    Binding(
        "E", "correct_external", "Correct the answer in $EDITOR", id="correct_external", show=False
    ),
]

# The prompt on a screen of its own (prompt_page.py), for what the panel's rows hide.
PROMPT_PAGE_BINDINGS = [
    Binding("z", "prompt_page", "Prompt: full screen", id="prompt_page", show=False),
]

# Scoring from the review app, offered when the queue's pairs have no scores yet (the
# footer shows it only then: check_action hides it otherwise).
SCORE_BINDINGS = [
    Binding("Z", "score", "Score unscored pairs", id="score"),
]


def screen_bindings(tags: list[TagConfig]) -> list[Binding]:
    """The review screen's own keys, in the order help lists them."""
    return [
        *SCROLL_BINDINGS,
        *tag_bindings(tags),
        *DECIDE_BINDINGS,
        *DETAIL_BINDINGS,
        *QUEUE_BINDINGS,
        *TRIAGE_BINDINGS,
        *VIEW_BINDINGS,
        *JUDGE_BINDINGS,
        *APP_BINDINGS,
        *REVIEWER_BINDINGS,
        *CORRECT_BINDINGS,
        *PROMPT_PAGE_BINDINGS,
        *SCORE_BINDINGS,
    ]


def binding_order(tags: list[TagConfig]) -> list[str]:
    """Every id a config's [keys] table can remap, in the order help lists them (a
    remapped key keeps its place, where Textual would move it to the end)."""
    every = [*PairList.BINDINGS, *screen_bindings(tags)]
    return [b.id for b in every if isinstance(b, Binding) and b.id]


def binding_ids(tags: list[TagConfig]) -> set[str]:
    """Every id a config's [keys] table can remap."""
    return set(binding_order(tags))


# ----- the keys as bound now (remapped, on the screen or the queue): help and palette
Bound = list[tuple[str, Binding]]  # (the keys as shown, "j, down"; the binding)


def bound_keys(
    active: Mapping[str, ActiveBinding], ours: Collection[object], display: Callable[[Binding], str]
) -> Bound:
    """The review keys among the active bindings of ``ours`` (the screen, the queue), one
    entry per binding id with every key bound to it."""
    seen: dict[str, tuple[list[str], Binding]] = {}
    for key, bound in active.items():
        b = bound.binding
        if bound.node not in ours or not b.description or not b.id:
            continue  # only the review keys (ours all have ids, for remapping)
        entry = seen.setdefault(b.id or b.action, ([], b))
        entry[0].append(display(b.with_key(key)))
    return [(", ".join(keys), b) for keys, b in seen.values()]


def key_rows(bound: Bound, tags: list[TagConfig]) -> list[tuple[str, str, str]]:
    """(keys, what they do, binding id: the name a config's [keys] table remaps)."""
    place = {bid: i for i, bid in enumerate(binding_order(tags))}
    rows = [(key, b.description, b.id or "") for key, b in bound]
    return sorted(rows, key=lambda row: place.get(row[2], len(place)))


def tag_keys(bound: Bound, tags: list[TagConfig]) -> dict[str, str]:
    """{tag: the keys that tag it now}, a remapped key included."""
    keys = {t.name: t.key for t in tags}
    for shown, b in bound:
        if b.action.startswith("tag('") and b.action != "tag('')":
            keys[b.action[5:-2]] = shown
    return keys


def palette_entries(bound: Bound, suggest: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(title, help, action) of each command in the palette; movement is left out, and
    the sample's title names the band the estimate suggests."""
    for keys, b in bound:
        if b.action.startswith(("move", "scroll_diff", "goto")):
            continue
        title, help_text = visible(b.description), f"key: {keys}"
        if title == SAMPLE_TITLE and suggest.get("band") is not None:
            title = f"Sample band {suggest['band']}"
            help_text = f"{suggest['reason']} ({help_text})"
        yield title, help_text, b.action
