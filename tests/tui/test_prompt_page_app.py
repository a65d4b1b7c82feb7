"""The prompt on a page of its own: every turn, the system prompt, a long prompt whole."""

from __future__ import annotations

import pytest

from swapview.store import LoadReport, PairRecord, PairWriter, open_db, write_transaction

from .fixtures import make_app, make_db
from .helpers import screen_text, settle
from .test_prompt_panel import CHAT, QUESTION

OPTIONS = "\n".join(f"({i}) option number {i} of the ticket form" for i in range(1, 121))
LONG = f"Pick the right category for this ticket.\n{OPTIONS}\nAnswer with the number only."


@pytest.fixture
def prompts_db(tmp_path):
    """Two pairs at the top of the queue: a few-shot chat, and a 122-line single prompt."""
    path = tmp_path / "review.db"
    make_db(path, n_extra=3)
    db = open_db(path)
    with write_transaction(db):
        PairWriter(db, 1, LoadReport()).write(
            [
                PairRecord("chat", CHAT, "Kept 30 days.", "Deleted.", {}),
                PairRecord("form", LONG, "(7)", "(12)", {}),
            ]
        )
        for key, distance in (("chat", 0.99), ("form", 0.98)):
            pid = db.execute("SELECT id FROM pairs WHERE key = ?", [key]).fetchone()[0]
            db.execute(
                "INSERT INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
                " semantic_distance, lexical_distance, length_change, signal_count, scored)"
                " VALUES (?, 'h', 'v1', 'test', ?, 0.5, 0.0, 0, 't')",
                [pid, distance],
            )
    db.close()
    return path


async def test_z_shows_every_turn_and_escape_goes_back(prompts_db):
    app = make_app(prompts_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "You are Acme's support assistant" not in screen_text(app)  # folded away
        await pilot.press("z")
        await settle(pilot)
        text = screen_text(app)
        assert type(app.screen).__name__ == "PromptPage"
        assert "Prompt of chat: 4 turns" in text
        for shown in ("system: You are Acme's support assistant", "user: hi", "assistant:"):
            assert shown in text, shown
        assert QUESTION.split()[-1] in text  # the last turn, whole
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReviewScreen"
        assert "You are Acme's support assistant" not in screen_text(app)


async def test_a_long_prompt_scrolls_to_its_last_line(prompts_db):
    app = make_app(prompts_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j", "z")
        await settle(pilot)
        text = screen_text(app)
        assert "Prompt of form: 1 turn" in text
        assert "(20) option number 20" in text  # the page is as tall as the screen
        assert "Answer with the number only" not in text
        await pilot.press("G")
        await settle(pilot)
        text = screen_text(app)
        assert "(120) option number 120" in text and "Answer with the number only" in text
        await pilot.press("g", "space")
        await settle(pilot)
        assert "(1) option number 1 " not in screen_text(app)
        assert "(30) option number 30" in screen_text(app)
