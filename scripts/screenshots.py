"""Make the README pictures: the real review app on sample_data/, saved as PNG.

    python scripts/screenshots.py            # writes screenshots/*.png

Loads sample_data/support_assistant.jsonl with `swapview load` (and scores it with
`swapview score`) when those commands exist; otherwise uses a small built-in demo
migration. Runs the app headless at 120x40, saves SVGs with app.save_screenshot() and
converts them with cairosvg (pip install -e '.[dev]') after swapping the SVG's web font
for a local monospace one.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "scripts")]

from svg2png import svg_to_png  # noqa: E402

from swapview.detail import comparisons  # noqa: E402
from swapview.queue import QueueSpec  # noqa: E402
from swapview.store import (  # noqa: E402
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)
from swapview.tui import ReviewContext, SwapviewApp  # noqa: E402

SAMPLE = ROOT / "sample_data" / "support_assistant.jsonl"
OUT = ROOT / "screenshots"
SIZE = (120, 40)
NOTE = (
    "Longer, and adds a pointer to the privacy form the old answer lacked."
    " Check the form exists before calling it an improvement."
)

CORRECTED = (
    "Jonas at Blue Heron Dental asked about recurring invoices. Per Tomás, a saved card is"
    " charged automatically for each invoice. Resolved: the customer confirmed it worked."
)

DEMO = [
    (
        "ticket-0412",
        "My order #88123 hasn't arrived. Can you check the status?",
        '{"reply": "Your order #88123 shipped on May 2 with UPS and should arrive by May 6.",'
        ' "category": "shipping", "needs_human": false}',
        '{"answer": "Order #88123 shipped May 2 via UPS; expected delivery is May 6.",'
        ' "category": "shipping"}',
        0.41,
        0.52,
        -0.08,
        ["json_keys_changed"],
    ),
    (
        "ticket-0977",
        "Can I get a refund 45 days after purchase?",
        '{"reply": "Refunds are available within 30 days. After that we can offer store'
        ' credit for the full amount.", "category": "billing", "needs_human": false}',
        "I'm sorry, but I can't help with refund requests. Please contact support.",
        0.63,
        0.88,
        -0.31,
        ["json_broke", "refusal_appeared"],
    ),
    (
        "ticket-1203",
        "How do I reset my password?",
        '{"reply": "Go to Settings > Security and choose Reset password. We will email you'
        ' a link that is valid for 24 hours.", "category": "account", "needs_human": false}',
        '{"reply": "Open Settings > Security and pick Reset password. A link valid for 24'
        ' hours will be emailed to you.", "category": "account", "needs_human": false}',
        0.08,
        0.35,
        -0.02,
        [],
    ),
    (
        "ticket-1388",
        "Do you ship to Canada?",
        '{"reply": "Yes, we ship to Canada. Delivery takes 5 to 7 business days.",'
        ' "category": "shipping", "needs_human": false}',
        '{"reply": "Oui, nous livrons au Canada en 5 à 7 jours ouvrables.",'
        ' "category": "shipping", "needs_human": false}',
        0.37,
        0.81,
        0.05,
        ["language_changed"],
    ),
    (
        "ticket-1502",
        "The app crashes when I upload a photo.",
        '{"reply": "Sorry about that! Please update to version 4.2, which fixes a crash when'
        " uploading photos larger than 10 MB. If it still happens, reply with your phone"
        ' model.", "category": "bug", "needs_human": true}',
        '{"reply": "Sorry about that! Please update to version 4.2", "category": "bug"',
        0.29,
        0.58,
        -0.52,
        ["json_broke", "truncated", "much_shorter"],
    ),
]


def load_sample(db_path: Path) -> str:
    """The comparison to show: sample_data loaded and scored if the commands exist."""
    if SAMPLE.exists():
        from swapview.cli import main

        names = main.list_commands(None)  # type: ignore[arg-type]
        if "load" in names:
            main(["--db", str(db_path), "load", str(SAMPLE)], standalone_mode=False)
            if "score" in names:
                main(["--db", str(db_path), "score"], standalone_mode=False)
            db = open_db(db_path)
            name = comparisons(db.conn)[-1][1]
            db.close()
            return name
    return load_demo(db_path)


def load_demo(db_path: Path) -> str:
    db = open_db(db_path)
    with write_transaction(db):
        cid = ensure_comparison(
            db, "support-assistant", baseline_model="support-v1", candidate_model="support-v2"
        )
        PairWriter(db, cid, LoadReport()).write(
            [PairRecord(k, p, a, b, {"channel": "email"}) for k, p, a, b, *_ in DEMO]
        )
        ids = {key: pid for pid, key in db.execute("SELECT id, key FROM pairs")}
        for key, _p, _a, _b, sem, lex, length, signals in DEMO:
            db.execute(
                "INSERT INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
                " semantic_distance, lexical_distance, length_change, signal_count, scored)"
                " VALUES (?, 'demo', 'demo', 'demo', ?, ?, ?, ?, 'demo')",
                [ids[key], sem, lex, length, len(signals)],
            )
            for name in signals:
                db.execute("INSERT INTO signals (pair_id, name) VALUES (?, ?)", [ids[key], name])
    db.close()
    return "support-assistant"


async def shoot(db_path: Path, comparison: str) -> list[Path]:
    db = open_db(db_path)
    comps = comparisons(db.conn)
    db.close()
    cid = next(c[0] for c in comps if c[1] == comparison)
    ctx = ReviewContext(
        db_path=str(db_path),
        reviewer="ana",
        spec=QueueSpec(comparison_id=cid),
        resume=False,
        comparisons=comps,
    )
    app = SwapviewApp(ctx, theme="textual-dark")
    shots: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with app.run_test(size=SIZE) as pilot:

            async def settle() -> None:
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause(0.3)

            def save(name: str) -> None:
                svg = Path(tmp) / f"{name}.svg"
                app.save_screenshot(str(svg))
                png = OUT / f"{name}.png"
                svg_to_png(svg, png)
                shots.append(png)

            await settle()
            await pilot.press("r")  # tag the first pair, move on to the refusal
            await settle()
            save("review-queue-and-diff")
            await pilot.press("a")
            await settle()
            await pilot.press(*NOTE)
            await settle()
            save("review-note")
            await pilot.press("ctrl+s")
            await settle()
            await shoot_correction(app, pilot, settle, save)
            await pilot.press("question_mark")
            await settle()
            save("review-help")
            await pilot.press("G")  # the legend: what each mark means
            await settle()
            save("review-legend")
            await pilot.press("escape")
            await shoot_triage(app, pilot, settle, save)
    return shots


async def shoot_correction(app, pilot, settle, save) -> None:
    """The corrected answer (C): the editor opens on the new output; once saved, the pair
    shows it, and exports take it as the ideal."""
    await pilot.press("C")
    await settle()
    app.screen.query_one("TextArea").text = CORRECTED
    await settle()
    await pilot.press("ctrl+s")
    await settle()
    save("review-corrected")


async def shoot_prompt(app, pilot, settle, save) -> None:
    """The whole prompt on a page of its own (z): system prompt and every turn, on a
    few-shot chat."""
    await pilot.press("colon")
    await settle()
    await pilot.press(*"sup-0001", "enter")
    await settle()
    await pilot.press("z")
    await settle()
    save("review-prompt")
    await pilot.press("escape")
    await settle()


async def shoot_triage(app, pilot, settle, save) -> None:
    """The learned order with its score, reason and cluster columns, and the question
    before tagging the top pair's whole cluster."""
    screen = app.screen
    screen.show_queue(screen.spec.with_(order="regression"), keep=False)
    for _ in range(3):  # refit, reload, estimate
        await settle()
    await pilot.press("c")
    for _ in range(2):  # group the comparison, then ask
        await settle()
    save("review-triage")
    await pilot.press("escape")
    await settle()
    await shoot_prompt(app, pilot, settle, save)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "screens.db"
        comparison = load_sample(db_path)
        for png in asyncio.run(shoot(db_path, comparison)):
            print(png.relative_to(ROOT))


if __name__ == "__main__":
    main()
