"""The back stack escape returns through, alone (no app)."""

from __future__ import annotations

from swapview.queue import QueueSpec
from swapview.tui.history import QueueHistory


def test_escape_returns_through_places_newest_first():
    history = QueueHistory()
    assert not history and history.pop() is None
    first, alike = QueueSpec(comparison_id=1), QueueSpec(comparison_id=1, ids=(3, 4))
    history.push(first, 7, 12)
    history.push(alike, None, 0)
    assert len(history) == 2
    assert history.pop() == (alike, None, 0)
    spec, pair_id, index = history.pop()
    assert (spec, pair_id, index) == (first, 7, 12)
    assert not history and history.pop() is None
