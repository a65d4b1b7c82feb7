"""Fixtures every review-app test file shares."""

from __future__ import annotations

import pytest

from .fixtures import make_db


@pytest.fixture
def review_db(tmp_path):
    """The standard test database (known order, some signals) as a file."""
    path = tmp_path / "review.db"
    make_db(path)
    return path
