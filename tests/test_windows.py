"""Long answers read to the end: planted late changes on real long answers, both models."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from swapview.scoring.embeddings.base import cosine_distance
from swapview.scoring.embeddings.minilm import MiniLMEmbedder
from swapview.scoring.embeddings.static import StaticEmbedder
from swapview.scoring.embeddings.windows import join, spans, window_ids

FILE = "alpaca_eval__gpt-3.5-turbo-1106__gpt4_1106_preview.jsonl.gz"
# Written for this test: a last paragraph that says the opposite of any advice above it.
OPPOSITE = (
    "In short, none of the above is true. Every step described here is wrong and harmful,"
    " so do the opposite of what this answer recommends and ignore all of its advice."
)


def long_answers(realdata, embedder, n: int = 3) -> list[str]:
    """The first real answers whose last paragraph starts past the first 512 tokens."""
    found = []
    with gzip.open(realdata / "pairs" / FILE, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["candidate_output"] or ""
            head, _, last = text.strip().rpartition("\n\n")
            if last and len(embedder.tokenizer.encode(head).ids) > 600:
                found.append(text.strip())
            if len(found) == n:
                break
    assert len(found) == n, "the real data has fewer long answers than expected"
    return found


def planted(text: str) -> str:
    return text.rpartition("\n\n")[0] + "\n\n" + OPPOSITE


def control(text: str) -> str:
    """The same answer with its first sentence's full stop made an exclamation mark:
    a change in the head that leaves the meaning as it was."""
    return text.replace(".", "!", 1)


def distance(embedder, a: str, b: str) -> float:
    va, vb = embedder.embed([a, b])
    return cosine_distance(va, vb, blank_a=False, blank_b=False)


def one_window(embedder):
    if isinstance(embedder, StaticEmbedder):
        return StaticEmbedder(embedder.vectors, "head-only", windows=1)
    return MiniLMEmbedder(threads=1, windows=1)


@pytest.mark.parametrize("which", ["static", "minilm"])
def test_a_rewritten_last_paragraph_scores_as_changed(
    realdata, static_embedder, minilm_embedder, which
):
    windowed = static_embedder if which == "static" else minilm_embedder
    head_only = one_window(windowed)
    texts = long_answers(realdata, windowed)
    late = [distance(windowed, t, planted(t)) for t in texts]
    early = [distance(windowed, t, control(t)) for t in texts]
    # Every late rewrite of meaning outranks every meaning-keeping edit at the start...
    assert min(late) > max(early), (late, early)
    # ...where a model reading the first 256 tokens alone sees no late change at all,
    # and ranks the same pairs the other way round.
    blind = [distance(head_only, t, planted(t)) for t in texts]
    assert max(blind) < 1e-6
    assert max(blind) < min(distance(head_only, t, control(t)) for t in texts)


def test_short_texts_keep_their_single_window_distance(static_embedder, minilm_embedder):
    a, b = "The meeting moved to Thursday.", "We moved the meeting to Thursday afternoon."
    for windowed in (static_embedder, minilm_embedder):
        assert distance(windowed, a, b) == pytest.approx(
            distance(one_window(windowed), a, b), abs=1e-5
        )


@pytest.mark.parametrize(
    "n, width, expected",
    [
        (10, 254, [(0, 10)] * 3),
        (300, 254, [(0, 254), (23, 277), (46, 300)]),
        (1000, 254, [(0, 254), (373, 627), (746, 1000)]),
    ],
)
def test_window_spans_cover_head_and_end(n, width, expected):
    assert spans(n, width) == expected


def test_windows_keep_special_tokens_and_join_to_unit_length():
    ids = [101, *range(1000, 1600), 102]
    windows = window_ids(ids, 254)
    assert all(w[0] == 101 and w[-1] == 102 and len(w) == 256 for w in windows)
    assert windows[0][1] == 1000 and windows[-1][-2] == 1599
    rows = np.eye(3, 4, dtype=np.float32)
    assert np.linalg.norm(join(rows)) == pytest.approx(1.0)
