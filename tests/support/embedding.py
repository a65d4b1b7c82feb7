"""The real static model for tests, built once and shared by every xdist worker.

Its cache lives in the repo's .cache/ (git-ignored), so later runs on the same checkout
reuse it; the model cache's file lock makes concurrent workers build it only once.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TEST_CACHE = Path(__file__).resolve().parents[2] / ".cache" / "models"


def use_test_cache() -> None:
    os.environ["SWAPVIEW_CACHE"] = str(TEST_CACHE)


@pytest.fixture(scope="session")
def static_embedder():
    from swapview.scoring.embeddings.distill import load_static_embedder

    use_test_cache()
    return load_static_embedder()


@pytest.fixture(scope="session")
def minilm_embedder():
    from swapview.scoring.embeddings.minilm import MiniLMEmbedder

    return MiniLMEmbedder(threads=1)
