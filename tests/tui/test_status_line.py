"""The status line gives way part by part on a narrow terminal."""

from __future__ import annotations

import pytest

from swapview.tui.status_line import StatusParts, status_text

PARTS = StatusParts(
    progress="12 of 300 reviewed, 3 regressions",
    progress_short="12/300 done, 3 reg",
    estimate="~23 left (12-41)",
    position="247/300",
    order="semantic",
    filters="untagged, signal refusal_appeared",
    reviewer="ana",
)


@pytest.mark.parametrize(
    "width, expected",
    [
        (
            200,
            "12 of 300 reviewed, 3 regressions, ~23 left (12-41) │ 247/300 │ order: semantic"
            " │ filter: untagged, signal refusal_appeared │ ana",
        ),
        (
            125,
            "12 of 300 reviewed, 3 regressions, ~23 left (12-41) │ 247/300 │ semantic"
            " │ filter: untagged, signal refusal_appeared │ ana",
        ),
        (
            110,
            "12/300 done, 3 reg, ~23 left (12-41) │ 247/300 │ semantic"
            " │ filter: untagged, signal refusal_appeared │ ana",
        ),
        (
            100,
            "12/300 done, 3 reg, ~23 left │ 247/300 │ semantic"
            " │ filter: untagged, signal refusal_appeared │ ana",
        ),
        (
            90,
            "12/300 done, 3 reg, ~23 left │ 247/300 │ filter: untagged, signal refusal_appeared"
            " │ ana",
        ),
        (78, "12/300 done, 3 reg │ 247/300 │ untagged, signal refusal_appeared │ ana"),
        (60, "247/300 │ untagged, signal refusal_appeared │ ana"),
    ],
)
def test_parts_give_way_in_order(width, expected):
    text = status_text(PARTS, width)
    assert text == expected
    assert len(text) <= width


def test_reviewer_and_filter_stay_at_80_columns_with_an_estimate():
    text = status_text(PARTS, 78)
    assert text.endswith("│ ana") and "refusal_appeared" in text and "247/300" in text


@pytest.mark.parametrize("width", [200, 100, 60, 30])
def test_unscored_pairs_or_a_scoring_run_come_first_at_any_width(width):
    import dataclasses

    parts = dataclasses.replace(PARTS, scoring="scoring: support 512/1,000")
    assert status_text(parts, width).startswith("scoring: support 512/1,000 │ ")
    assert not status_text(PARTS, width).startswith("scoring")
