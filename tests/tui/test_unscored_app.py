"""Reviewing a comparison that was loaded but never scored: the app says so, and scores
it in a worker with the scoring runner's own function, its progress in the status line."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from swapview.cli import main
from swapview.store import open_db
from swapview.tui.scoring_offer import ScoringOffer

from .fixtures import make_app
from .helpers import screen_lines, screen_text, settle

ROWS = [
    ("a-refund", "Can I get a refund?", "Yes, within 30 days.", "I can't help with that."),
    ("b-reset", "How do I reset it?", "Settings, then Reset.", "Open Settings and pick Reset."),
    ("c-ship", "Do you ship to Canada?", "Yes, in 5 to 7 days.", "Oui, en 5 à 7 jours."),
    ("d-same", "Hours?", "9 to 5.", "9 to 5."),
]


def load_unscored(tmp_path):
    data = tmp_path / "pairs.jsonl"
    data.write_text(
        "\n".join(
            json.dumps({"id": k, "prompt": p, "baseline": a, "candidate": b}) for k, p, a, b in ROWS
        )
    )
    db = tmp_path / "review.db"
    args = ["--db", str(db), "load", str(data), "-c", "support"]
    args += ["--baseline-model", "old", "--candidate-model", "new"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return db


def scored(path) -> int:
    db = open_db(path, migrate=False)
    n = db.execute("SELECT count(*) FROM scores").fetchone()[0]
    db.close()
    return n


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_unscored_queue_says_so_and_z_scores_it(tmp_path, static_embedder, monkeypatch):
    path = load_unscored(tmp_path)
    seen: list[str] = []
    status = ScoringOffer.status
    monkeypatch.setattr(ScoringOffer, "status", lambda self: seen.append(status(self)) or seen[-1])
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert screen_lines(app)[0].lstrip().startswith("4 unscored (Z)")
        assert any("4 pairs have no scores yet" in n and "press Z" in n for n in notes(app))
        assert "Z Score unscored pairs" in screen_lines(app)[-1]  # offered in the footer
        row = next(ln for ln in screen_lines(app) if "a-refund" in ln)
        assert "  -  " in row
        await pilot.press("Z")
        await settle(pilot, rounds=6)
        assert scored(path) == len(ROWS)
        assert any(s.startswith("scoring: support ") and "/4" in s for s in seen), seen
        text = screen_text(app)
        assert "unscored" not in screen_lines(app)[0]
        assert "Z Score" not in screen_lines(app)[-1]
        assert any("scored 4 pairs" in n for n in notes(app))
        row = next(ln for ln in screen_lines(app) if "c-ship" in ln)
        assert re.search(r"c-ship +\d\.\d{3} \d\.\d{3}", row), text  # distances now


async def test_scored_queue_offers_nothing(review_db):
    app = make_app(review_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "unscored" not in screen_lines(app)[0]
        assert "Score" not in screen_lines(app)[-1]
        await pilot.press("Z")  # does nothing where nothing is unscored
        await settle(pilot)
        assert not any("scor" in n for n in notes(app))


def test_unscored_pairs_counts_per_comparison(review_db):
    from swapview.store import connect
    from swapview.tui.scoring_offer import unscored_pairs

    conn = connect(str(review_db))
    assert unscored_pairs(conn, None) == {}
    conn.execute("DELETE FROM scores WHERE pair_id IN (SELECT id FROM pairs LIMIT 3)")
    conn.commit()
    assert unscored_pairs(conn, None) == {"support": 3}
    assert unscored_pairs(conn, 1) == {"support": 3}
    assert unscored_pairs(conn, 99) == {}
    conn.close()
