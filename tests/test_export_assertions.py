"""Drafting promptfoo assertions and expected answers: pure logic, as tables."""

from __future__ import annotations

import pytest

from swapview.export import expected_answer
from swapview.export.assertions import (
    draft_assertions,
    refusal_phrase,
    similarity_threshold,
    word_bound,
)
from swapview.export.models import ExportCase, Scores, Signal


def _case(
    old: str,
    new: str,
    source: str = "baseline",
    *,
    distance: float | None = 0.4,
    signals: tuple[str, ...] = (),
    detail: str | None = None,
    corrected: str | None = None,
) -> ExportCase:
    ideal_source, ideal, acceptable, rejected = expected_answer(source, old, new, corrected)
    return ExportCase(
        id="m/k",
        comparison="m",
        key="k",
        prompt="p",
        prompt_format="text",
        baseline_model=None,
        candidate_model=None,
        baseline_output=old,
        candidate_output=new,
        tag="t",
        note=None,
        reviewer="r",
        decided="now",
        stale=False,
        corrected_output=corrected,
        ideal_source=ideal_source,
        ideal=ideal,
        acceptable=acceptable,
        rejected=rejected,
        scores=None if distance is None else Scores(semantic_distance=distance),
        signals=[Signal(name=s, detail=detail) for s in signals],
    )


@pytest.mark.parametrize(
    ("source", "corrected", "expected"),
    [
        ("baseline", None, ("baseline", "old", ["old"], ["new"])),
        ("candidate", None, ("candidate", "new", ["new"], ["old"])),
        ("both", None, ("both", "old", ["old", "new"], [])),
        ("baseline", "fixed", ("corrected", "fixed", ["fixed"], ["new"])),
        ("both", "fixed", ("corrected", "fixed", ["fixed"], [])),
        ("baseline", "   ", ("baseline", "old", ["old"], ["new"])),  # blank is no correction
    ],
)
def test_expected_answer(source, corrected, expected):
    assert expected_answer(source, "old", "new", corrected) == expected


def test_expected_answer_with_identical_outputs_accepts_one():
    assert expected_answer("both", "same", "same", None)[2] == ["same"]


@pytest.mark.parametrize(
    ("kw", "threshold", "basis"),
    [
        ({"distance": 0.4}, 0.8, "from semantic distance 0.400"),
        ({"distance": 0.4, "source": "both"}, 0.6, "from semantic distance"),
        ({"distance": 1.6}, 0.5, "from semantic distance"),  # clamped low
        ({"distance": 0.0}, 0.99, "from semantic distance"),  # clamped high
        ({"distance": None}, 0.8, "default"),
        ({"distance": 0.4, "corrected": "x"}, 0.8, "default"),
    ],
)
def test_similarity_threshold(kw, threshold, basis):
    got, why = similarity_threshold(_case("a", "b", **kw))
    assert got == threshold and why.startswith(basis)


@pytest.mark.parametrize(
    ("old", "new", "source", "signals", "bound"),
    [
        (
            "one two three four five six seven eight",
            "one two",
            "baseline",
            ("much_shorter",),
            {"min": 5},
        ),
        (
            "one two",
            "one two three four five six seven eight",
            "candidate",
            ("much_longer",),
            {"min": 5},
        ),  # the improvement added what the old answer lacked
        (
            "one two three four five six seven eight",
            "one two",
            "candidate",
            ("much_shorter",),
            {"max": 5},
        ),  # the improvement cut the padding
        ("a b c d e f", "", "baseline", ("empty_output",), {"min": 3}),
        ("a b c d e f", "a", "baseline", (), None),  # no length signal fired
        ("a b c", "x y z", "baseline", ("truncated",), None),  # same length: nothing to bound
        ("a b c d", "a", "both", ("much_shorter",), None),  # nothing rejected
    ],
)
def test_word_bound(old, new, source, signals, bound):
    assert word_bound(_case(old, new, source, signals=signals)) == bound


@pytest.mark.parametrize(
    ("old", "new", "kw", "phrase"),
    [
        (
            "Here you go.",
            "I’m sorry, but I can’t do that.",
            {"signals": ("refusal_appeared",)},
            "I’m sorry, but I can’t",
        ),
        ("Here you go.", "Sorry: I'm unable to help.", {"distance": None}, "I'm unable to"),
        # Scored, and the scorer saw no refusal: a phrase deep in a helpful answer is not one.
        ("Here you go.", "Steps... I'm unable to test this myself.", {}, None),
        (
            "I'm unable to help.",
            "I'm unable to help, sorry.",
            {"signals": ("refusal_appeared",)},
            None,
        ),  # the ideal says it too
        (
            "x",
            "Je ne peux pas.",
            {"signals": ("refusal_appeared",), "detail": "candidate says 'je ne peux pas'"},
            "Je ne peux pas",
        ),
    ],
)
def test_refusal_phrase(old, new, kw, phrase):
    assert refusal_phrase(_case(old, new, **kw)) == phrase


@pytest.mark.parametrize(
    ("ideal", "is_json"),
    [
        ('{"a": 1}', True),
        (" [1, 2] \n", True),
        ("42", False),
        ('{"a": NaN}', False),
        ("```json\n{}\n```", False),
    ],
)
def test_is_json_only_for_json_containers(ideal, is_json):
    types = [a["type"] for a in draft_assertions(_case(ideal, "prose"))]
    assert ("is-json" in types) == is_json
