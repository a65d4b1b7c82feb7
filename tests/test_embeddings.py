"""The embedding backends for real: the static default, MiniLM, and the model cache."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from swapview.scoring.embeddings import make_embedder
from swapview.scoring.embeddings.base import cosine_distance, normalise_rows
from swapview.scoring.embeddings.minilm import length_batches
from swapview.scoring.embeddings.modelcache import load_or_build

# (text, paraphrase, unrelated): written for these tests.
TRIPLES = [
    (
        "The meeting has been moved to Thursday afternoon.",
        "We rescheduled the meeting for Thursday after lunch.",
        "Photosynthesis turns sunlight, water and carbon dioxide into sugar.",
    ),
    (
        "Preheat the oven to 200 degrees and bake the bread for forty minutes.",
        "Bake the loaf for about 40 minutes in an oven heated to 200 degrees.",
        "The central bank raised interest rates by a quarter of a percent.",
    ),
    (
        "Your password must contain at least twelve characters.",
        "Passwords need a minimum length of 12 characters.",
        "The river flooded the village after three days of heavy rain.",
    ),
    (
        "I'm sorry, but I can't help with that request.",
        "Unfortunately I am unable to assist with this.",
        "Here is a Python function that sorts a list of numbers in place.",
    ),
]


def _dist(embedder, a: str, b: str) -> float:
    va, vb = embedder.embed([a, b])
    return cosine_distance(va, vb, blank_a=False, blank_b=False)


@pytest.mark.parametrize("text,paraphrase,unrelated", TRIPLES)
def test_static_paraphrase_closer_than_unrelated(static_embedder, text, paraphrase, unrelated):
    assert _dist(static_embedder, text, paraphrase) < _dist(static_embedder, text, unrelated)


def test_static_vectors_are_unit_and_blank_is_zero(static_embedder):
    vectors = static_embedder.embed(["a short text", "", "   ", "another text here"])
    assert vectors.shape == (4, static_embedder.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors[[0, 3]], axis=1), 1.0, rtol=1e-5)
    assert not vectors[1].any() and not vectors[2].any()
    again = static_embedder.embed(["another text here"])
    np.testing.assert_allclose(again[0], vectors[3], rtol=1e-6)


def test_static_agrees_with_minilm_on_ranking(static_embedder, minilm_embedder):
    # Every paraphrase pair should be closer than every unrelated pair, for both models.
    for model in (static_embedder, minilm_embedder):
        close = [_dist(model, t, p) for t, p, _ in TRIPLES]
        far = [_dist(model, t, u) for t, _, u in TRIPLES]
        assert max(close) < min(far), model.name


def test_minilm_truncates_and_normalises(minilm_embedder):
    long_text = "word " * 2000  # past 256 tokens: truncated, not an error
    vectors = minilm_embedder.embed([long_text, "", "short"])
    np.testing.assert_allclose(np.linalg.norm(vectors[[0, 2]], axis=1), 1.0, rtol=1e-5)
    assert not vectors[1].any()
    assert minilm_embedder.name == "all-MiniLM-L6-v2-int8-w3"


def test_names_differ_between_models(static_embedder, minilm_embedder):
    assert static_embedder.name != minilm_embedder.name
    assert make_embedder("static").name == static_embedder.name


@pytest.mark.parametrize(
    "blank_a,blank_b,expected", [(True, True, 0.0), (True, False, 1.0), (False, True, 1.0)]
)
def test_blank_outputs_have_defined_distance(blank_a, blank_b, expected):
    zero = np.zeros(4, dtype=np.float32)
    assert cosine_distance(zero, zero, blank_a=blank_a, blank_b=blank_b) == expected


def test_cosine_distance_and_normalise():
    rows = normalise_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.0, 0.0]])
    same = cosine_distance(rows[0], rows[0], blank_a=False, blank_b=False)
    assert same == pytest.approx(0.0, abs=1e-6)


def test_length_batches_cover_every_index_once():
    lengths = [5, 300, 7, 7, 120, 1, 256]
    batches = length_batches(lengths, 512)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(len(b) * max(lengths[i] for i in b) <= 512 or len(b) == 1 for b in batches)


def test_model_cache_builds_once_across_threads(tmp_path, monkeypatch):
    monkeypatch.setenv("SWAPVIEW_CACHE", str(tmp_path / "cache"))
    calls = []

    def build():
        calls.append(1)
        return {"vectors": np.arange(6, dtype=np.float32).reshape(2, 3)}

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(load_or_build("m.npz", build)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 4
    assert all(np.array_equal(r["vectors"], results[0]["vectors"]) for r in results)
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.suffix == ".tmp"] == []


def test_model_cache_rebuilds_a_damaged_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SWAPVIEW_CACHE", str(tmp_path))
    (tmp_path / "m.npz").write_bytes(b"not a zip file")
    arrays = load_or_build("m.npz", lambda: {"v": np.ones(2, dtype=np.float32)})
    assert arrays["v"].tolist() == [1.0, 1.0]
    assert load_or_build("m.npz", lambda: pytest.fail("rebuilt twice"))["v"].sum() == 2
