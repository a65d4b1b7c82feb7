"""Shared fixtures: a real SQLite file per test, paths to the shared real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from swapview.store import open_db

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"
SAMPLE_DATA = ROOT / "sample_data"

# Shared fixtures that live in their own modules: the real static embedding model.
pytest_plugins = ["tests.support.embedding"]

# Fixtures that build a model: a fresh checkout distils the static model first (about four
# minutes on two busy cores). A test using one is slow, marked here by its fixture so no
# such test escapes the mark.
MODEL_FIXTURES = {"static_embedder"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Snapshots break under NO_COLOR and TEXTUAL_THEME; SWAPVIEW_DB would leak a real db.
    for name in ("NO_COLOR", "TEXTUAL_THEME", "SWAPVIEW_DB", "SWAPVIEW_CONFIG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "swapview.db"


@pytest.fixture
def db(db_path: Path):
    database = open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.fail(f"the shared real data is missing at {REALDATA}")
    return REALDATA


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("SWAPVIEW_REVIEWER", "tester")
