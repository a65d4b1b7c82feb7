"""A small review database with scores, signals and hostile texts, for the TUI tests."""

from __future__ import annotations

from pathlib import Path

from swapview.queue import QueueSpec
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)
from swapview.tui import ReviewContext, SwapviewApp

HOSTILE = (
    "[bold]not bold[/bold] [link=https://evil.example]click[/link] [@click=app.quit]quit[/]"
    " \x1b[2J\x1b]0;pwned\x07 bell\x07 nul\x00 \u202eevil"
)
BASE = [
    (
        "order-status",
        "Where is my order #1234?",
        '{"answer": "Your order shipped on Monday.", "eta": "2 days"}',
        '{"answer": "Your order shipped Monday and arrives in two days."}',
    ),
    (
        "refund",
        "Can I get a refund after 40 days?",
        "Refunds are available within 30 days of purchase. After that we offer store credit.",
        "I'm sorry, but I can't help with refund requests.",
    ),
    (
        "password",
        "How do I reset my password?",
        "Go to Settings, then Security, then choose Reset password.",
        "Go to Settings, then Security, then choose Reset password.",
    ),
    ("hostile", "Say something tricky", "plain old text", HOSTILE),
    (
        "shipping",
        "Do you ship to Canada?",
        "Yes, we ship to Canada. Delivery takes 5-7 business days.",
        "Oui, nous livrons au Canada en 5 à 7 jours ouvrables.",
    ),
]


def make_db(path: Path, n_extra: int = 40) -> dict[str, int]:
    """Pairs with distinct semantic distances (known order), and some signals."""
    db = open_db(path)
    recs = [
        PairRecord(k, p, a, b, {"lang": "fr" if k == "shipping" else "en"}) for k, p, a, b in BASE
    ]
    recs += [
        PairRecord(
            f"extra-{i:03d}",
            f"Question number {i}?",
            f"Answer {i}: the usual text stays.",
            f"Answer {i}: the usual text moved.",
            {"lang": "en"},
        )
        for i in range(n_extra)
    ]
    with write_transaction(db):
        cid = ensure_comparison(db, "support", baseline_model="gpt-old", candidate_model="gpt-new")
        PairWriter(db, cid, LoadReport()).write(recs)
    ids = {k: i for i, k in db.execute("SELECT id, key FROM pairs")}
    rows = []
    for rank, rec in enumerate(recs):
        sem = round(0.9 - rank * 0.01, 3)
        rows.append((ids[rec.key], "h", "v1", "test", sem, sem / 2, -0.1 * (rank % 5), 0, "t"))
    db.conn.executemany(
        "INSERT INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
        " semantic_distance, lexical_distance, length_change, signal_count, scored)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    for key, sig in [
        ("order-status", "json_keys_changed"),
        ("refund", "refusal_appeared"),
        ("shipping", "language_changed"),
    ]:
        db.execute("INSERT INTO signals (pair_id, name) VALUES (?, ?)", [ids[key], sig])
        db.execute("UPDATE scores SET signal_count = 1 WHERE pair_id = ?", [ids[key]])
    db.conn.commit()
    db.close()
    return ids


def make_app(path: Path, reviewer: str = "ana", resume: bool = True, **spec) -> SwapviewApp:
    db = open_db(path)
    cid = db.execute("SELECT id FROM comparisons ORDER BY id").fetchone()[0]
    comps = list(db.execute("SELECT id, name, baseline_model, candidate_model FROM comparisons"))
    db.close()
    ctx = ReviewContext(
        db_path=str(path),
        reviewer=reviewer,
        spec=QueueSpec(comparison_id=cid, **spec),
        resume=resume,
        comparisons=comps,
    )
    return SwapviewApp(ctx, theme="textual-dark")
