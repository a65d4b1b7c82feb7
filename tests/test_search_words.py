"""Search scoring: every word must match, in any order; ids and short words exactly."""

from __future__ import annotations

import pytest

from swapview.queue.search import _score

TEXTS = ["sup-0165", "Hi, my Stripe payment is not showing up. Ship to Canada?", None]


@pytest.mark.parametrize(
    "query, hit",
    [
        ("stripe payment", True),  # words out of order
        ("payment stripe", True),
        ("ship to canda", True),  # a typo in a longer word; "to" occurs exactly
        ("paymnet", True),
        ("sup-0165", True),
        ("sup-0166", False),  # one digit off is another ticket
        ("stripe invoice", False),  # every word must match
        ("tu", False),  # short words only exactly
        ("shop", False),  # four letters: no typo
    ],
)
def test_words(query, hit):
    assert (_score(query.lower(), [t.lower() if t else t for t in TEXTS]) > 0) is hit
