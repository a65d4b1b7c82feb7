"""screenshots/browser.png: the review app served by `swapview serve`, in headless Chromium.

    python scripts/browser_screenshot.py [--db DB] [--out screenshots/browser.png]

Without --db it builds a database from sample_data/support_assistant.jsonl with
`swapview load` and `swapview score` (the static embedder: offline, seconds); a checkout
that lacks those commands or the sample file gets a small built-in fixture instead.
Then it serves the database on a free loopback port, opens the page in Debian's Chromium
(scripts/install-test-tools installs it), types a reviewer name, tags a few pairs and
saves the page.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "support_assistant.jsonl"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SWAPVIEW = [sys.executable, "-c", "from swapview.cli import main; main()"]
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")

FIXTURE = [  # key, question, old answer, new answer
    (
        "refund-window",
        "Can I get a refund after 40 days?",
        "Refunds are available within 30 days of purchase. After that we can offer store "
        "credit for the remaining value of your plan.",
        "I'm sorry, but I can't help with refund requests. Please contact billing.",
    ),
    (
        "invite-bookkeeper",
        "How do I add my bookkeeper to our account?",
        "Invite people from Settings > Team > Invite. The Accountant role lets someone view "
        "and export without sending invoices.",
        "Go to Settings > Team and click Invite. Choose the Accountant role: they can view and "
        "export, but not send invoices.",
    ),
    (
        "export-csv",
        "Can I export invoices as CSV?",
        "Yes: Invoices > Export > CSV. The file includes every invoice in the date range.",
        "Yes. Open Invoices, choose Export and pick CSV.",
    ),
    (
        "2fa-lost-phone",
        "I lost my phone and can't log in (2FA).",
        "Use one of your backup codes on the login page. If you have none, our team can "
        "verify your identity and reset 2FA.",
        "Use a backup code. If you have none, reply here and a human agent will help.",
    ),
    (
        "webhook-retries",
        "Do you retry failed webhooks?",
        "Yes, failed webhooks are retried 5 times with exponential backoff over 24 hours.",
        "Webhooks are retried up to 3 times within 1 hour.",
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an existing, loaded database to show")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots" / "browser.png")
    parser.add_argument("--size", default="1280x800", help="browser viewport, WxH pixels")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or build_db(Path(tmp) / "sample.db")
        shoot(db, args.out, Path(tmp) / "profile", width, height)
    print(f"wrote {args.out}")


def build_db(db: Path) -> Path:
    import click

    from swapview.cli import main as cli

    commands = cli.list_commands(click.Context(cli))
    if SAMPLE.exists() and "load" in commands:
        run("load", str(SAMPLE), db=db)
        if "score" in commands:
            run("score", db=db)
        return db
    print("sample data or `swapview load` missing here: using the built-in fixture")
    load_fixture(db)
    return db


def run(*args: str, db: Path) -> None:
    subprocess.run([*SWAPVIEW, "--db", str(db), *args], check=True, cwd=ROOT)


def load_fixture(db_path: Path) -> None:
    from swapview.store import (
        LoadReport,
        PairRecord,
        PairWriter,
        ensure_comparison,
        open_db,
        write_transaction,
    )

    db = open_db(db_path)
    records = [
        PairRecord(key, question, old, new, {"channel": "chat"})
        for key, question, old, new in FIXTURE
    ]
    with write_transaction(db):
        cid = ensure_comparison(
            db,
            "support_answer",
            baseline_model="gpt-4o-2024-08-06",
            candidate_model="gpt-4.1-mini-2025-04-14",
        )
        PairWriter(db, cid, LoadReport()).write(records)
    db.close()


def shoot(db: Path, out: Path, profile: Path, width: int, height: int) -> None:
    from playwright.sync_api import sync_playwright

    server = subprocess.Popen(
        [*SWAPVIEW, "--db", str(db), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        url = wait_for_url(server)
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(profile),
                executable_path="/usr/bin/chromium",
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": width, "height": height},
            )
            page = context.pages[0] if context.pages else context.new_page()
            drawn: list[str] = []
            page.on(
                "websocket",
                lambda ws: ws.on(
                    "framereceived",
                    lambda data: (
                        drawn.append(data.decode("utf-8", "replace"))
                        if isinstance(data, bytes)
                        else None
                    ),
                ),
            )
            page.goto(url)
            page.wait_for_selector("body.-first-byte", state="attached")
            page.click("#terminal")
            wait_for_text(page, drawn, "Who is reviewing?")
            page.keyboard.type("dana")
            page.keyboard.press("Enter")
            wait_for_text(page, drawn, "reviewed")
            for key in "rinj":  # a few tags, then rest on an untagged pair
                page.keyboard.press(key)
                page.wait_for_timeout(250)
            page.wait_for_timeout(1500)  # let the detail pane and notifications settle
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            context.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_for_url(server: subprocess.Popen, timeout: float = 20.0) -> str:
    assert server.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            raise SystemExit("swapview serve exited before printing its URL")
        if m := re.search(r"(http://\S+/)", line):
            return m.group(1)
    raise SystemExit("swapview serve printed no URL")


def wait_for_text(page, drawn: list[str], needle: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while needle not in _ESCAPES.sub("", "".join(drawn)):
        if time.monotonic() > deadline:
            raise SystemExit(f"the page never showed {needle!r}")
        page.wait_for_timeout(50)


if __name__ == "__main__":
    main()
