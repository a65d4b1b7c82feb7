"""Driving the review app in tests: settle, read the screen as text, read the database."""

from __future__ import annotations

import asyncio

from swapview import reviews
from swapview.store import open_db
from swapview.tui import ReviewScreen


async def settle(pilot, rounds: int = 3) -> None:
    """Let messages, thread workers and queued writes finish (pause alone does not)."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
        for screen in app.screen_stack:
            if isinstance(screen, ReviewScreen):
                await asyncio.to_thread(screen.session.wait_idle, 10)
        await pilot.pause()


async def eventually(pilot, check, timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds, for what is drawn a frame or two after the work is done
    (a scroll after layout): on a loaded machine that can lag the settled state."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"not true within {timeout} s:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


def screen_lines(app) -> list[str]:
    """What the active screen draws, as text lines (through the widgets' line caches,
    so a line that was changed but never marked for repaint shows its old text)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def review_screen(app) -> ReviewScreen:
    return next(s for s in app.screen_stack if isinstance(s, ReviewScreen))


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


def line_with(app, needle: str) -> str:
    hits = [ln for ln in screen_lines(app) if needle in ln]
    assert hits, f"{needle!r} not on screen:\n{screen_text(app)}"
    return hits[0]


def decision(db_path, key: str):
    db = open_db(db_path, migrate=False)
    row = db.execute(
        "SELECT d.tag, d.reviewer, d.note FROM decisions d JOIN pairs p ON p.id = d.pair_id"
        " WHERE p.key = ?",
        [key],
    ).fetchone()
    db.close()
    return row


def history(db_path, key: str) -> list[tuple]:
    db = open_db(db_path, migrate=False)
    rows = db.execute(
        "SELECT r.action, r.tag, r.reviewer FROM reviews r JOIN pairs p ON p.id = r.pair_id"
        " WHERE p.key = ? ORDER BY r.id",
        [key],
    ).fetchall()
    db.close()
    return rows


def rename_keys(path, keys: dict[str, str]) -> None:
    db = open_db(path, migrate=False)
    for old, new in keys.items():
        db.execute("UPDATE pairs SET key = ? WHERE key = ?", [new, old])
    db.conn.commit()
    db.close()


def add_signals(path, key: str, names: list[str]) -> None:
    db = open_db(path, migrate=False)
    pid = db.execute("SELECT id FROM pairs WHERE key = ?", [key]).fetchone()[0]
    for name in names:
        db.execute("INSERT INTO signals (pair_id, name) VALUES (?, ?)", [pid, name])
    db.conn.commit()
    db.close()


def tag_key(path, key: str, reviewer: str = "ana", tag: str = "regression") -> None:
    db = open_db(path, migrate=False)
    pid = db.execute("SELECT id FROM pairs WHERE key = ?", [key]).fetchone()[0]
    reviews.record(db, pid, reviewer, tag=tag)
    db.close()


MORE_SIGNALS = [
    "truncated",
    "much_shorter",
    "much_longer",
    "empty_output",
    "markdown_changed",
    "json_broke",
    "json_fixed",
    "refusal_gone",
    "json_types_changed",
]


def option_index(screen, option_id: str) -> int:
    """How many presses of down take a picker's highlight to an option."""
    options = screen.query_one("OptionList")
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    return ids.index(option_id) - (options.highlighted or 0)
