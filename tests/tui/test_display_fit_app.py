"""The review screen's lines fit their width, and help says what every mark means."""

from __future__ import annotations

import dataclasses

import pytest

from swapview.detail import PairDetail
from swapview.tui.footer import fit_keys
from swapview.tui.legend import legend_rows
from swapview.tui.pair_line import fit_pair_line
from swapview.tui.pair_list import SIGNAL_SHORT

from .fixtures import make_app
from .helpers import MORE_SIGNALS, add_signals, screen_lines, screen_text, settle

REVIEW_FOOTER = [
    ("move(1)", "j", "Next"),
    ("tag('regression')", "r", "Regression"),
    ("tag('improvement')", "i", "Improvement"),
    ("tag('neutral')", "n", "Neutral"),
    ("tag('skip')", "s", "Skip"),
    ("undo", "u", "Undo"),
    ("note", "a", "Note"),
    ("pick_order", "o", "Order"),
    ("pick_filter", "f", "Filter"),
    ("search", "/", "Search"),
    ("help", "?", "Help"),
    ("palette", "^p", "palette"),
]


@pytest.mark.parametrize(
    ("width", "compact", "dropped"),
    [
        (130, False, []),
        (110, True, []),
        (100, True, ["Order", "Filter"]),
        (80, True, ["Order", "Filter", "Search", "Note"]),
        (60, True, ["Order", "Filter", "Search", "Note", "palette", "Next"]),
    ],
)
def test_footer_fits_by_dropping_what_help_also_lists(width, compact, dropped):
    got_compact, kept = fit_keys(REVIEW_FOOTER, width)
    assert got_compact == compact
    assert {d for i, (_, _, d) in enumerate(REVIEW_FOOTER) if i not in kept} == set(dropped)


def _detail(**changes) -> PairDetail:
    base = PairDetail(
        pair_id=1,
        key="sum-0181",
        comparison="c",
        baseline_model=None,
        candidate_model=None,
        prompt="q",
        baseline="a",
        candidate="b",
        metadata={},
        content_hash="h",
        semantic=0.66,
        lexical=1.0,
        length_change=-0.76,
        embedding_model="m",
        signals=(("much_shorter", None), ("refusal_appeared", None), ("json_broke", None)),
        tag="regression",
        note=None,
        reviewer="ana",
        stale=True,
        likely=2.0,
        likely_reason="shorter by 76%, refusal appeared, 100% of numbers changed",
        cluster_size=12,
        cluster_label="refusal appeared, shorter",
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize("width", [200, 160, 130, 120])
def test_pair_line_fits_and_keeps_every_badge(width):
    # A heavy line: a tag, stale, three quirks, the learned chance and reason, a cluster.
    parts = fit_pair_line((" regression ", "tag-regression"), _detail(), width)
    text = "".join(t for t, _ in parts)
    assert len(text) <= width, text
    for short in ("short", "refusal", "json✗"):
        assert f"⚑ {short}" in text or "⚑ much_shorter" in text, text
    assert "sem 0.660" in text or "semantic 0.660" in text
    assert "likely 88%" in text and "stale" in text


def test_pair_line_in_full_when_it_fits():
    parts = fit_pair_line((" regression ", "tag-regression"), _detail(), 300)
    text = "".join(t for t, _ in parts)
    assert "semantic 0.660 · lexical 1.000 · length -76%" in text
    assert "⚑ refusal_appeared" in text and "≋ 12 alike" in text


async def test_pair_line_and_footer_fit_on_screen(review_db):
    five = ["truncated", "much_shorter", "markdown_changed", "json_broke", "json_types_changed"]
    add_signals(review_db, "order-status", five)
    add_signals(review_db, "refund", MORE_SIGNALS)  # 10 quirks: more than a line holds
    app = make_app(review_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        line = next(ln for ln in screen_lines(app) if " order-status " in ln and "sem" in ln)
        for name in ["json_keys_changed", *five]:
            assert f"⚑ {SIGNAL_SHORT[name]}" in line, (name, line)
        assert "? Help " in screen_lines(app)[-1]  # not under the palette key's border
        await pilot.press("j")
        await settle(pilot)
        line = next(ln for ln in screen_lines(app) if " refund " in ln and "sem" in ln)
        assert line.rstrip().split("⚑ ")[-1].startswith("+"), line  # "⚑ +3": how many more
    app = make_app(review_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = screen_lines(app)[-1]
        for shown in ("j Next", "r Regression", "i Improvement", "s Skip", "u Undo", "? Help"):
            assert shown in footer, footer


async def test_help_names_the_keys_table_and_explains_every_mark(review_db):
    app = make_app(review_db)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert "dim: id for [keys] in the config" in screen_text(app)
        seen = []
        for _ in range(5):  # page down through the keys to the legend at the bottom
            await pilot.press("space")
            await settle(pilot, rounds=1)
            seen.append(screen_text(app))
        text = "\n".join(seen)
        for mark in ("SKI", "≫+", "N% of numbers changed", "≋N"):
            assert mark in text, mark
        assert "much_longer: the new output is over twice" in text
        await pilot.press("g")
        await settle(pilot)
        assert "What the marks mean" not in screen_text(app)
        await pilot.press("G")
        await settle(pilot)
        assert "much_longer: the new output is over twice" in screen_text(app)


def test_legend_covers_every_abbreviation_and_tag():
    from swapview.config import Config

    marks = [m for m, _ in legend_rows(Config().all_tags())]
    assert {"REG", "IMP", "NEU", "SKI"} <= set(marks)
    assert set(SIGNAL_SHORT.values()) <= set(marks)
