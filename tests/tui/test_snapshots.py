"""Pictures of the review screen that must not change by accident (fixed size, theme)."""

from __future__ import annotations

import pytest

from .fixtures import make_app, make_db
from .helpers import settle


@pytest.fixture
def app_factory(tmp_path):
    path = tmp_path / "snap.db"
    make_db(path, n_extra=12)

    def factory(theme: str = "textual-dark"):
        app = make_app(path)
        app._theme_name = theme
        return app

    return factory


def test_review_screen_120x40(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(120, 40), run_before=settle)


def test_hostile_pair_at_80x24_ansi_theme(snap_compare, app_factory):
    async def go(pilot):
        await settle(pilot)
        await pilot.press("j", "j", "j")
        await settle(pilot)

    assert snap_compare(app_factory("ansi-dark"), terminal_size=(80, 24), run_before=go)


def test_help_screen(snap_compare, app_factory):
    async def go(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app_factory(), terminal_size=(100, 40), run_before=go)
