"""screenshots/html-report.png: the page `swapview report --html` writes, in headless Chromium.

    PYTHONPATH=src python scripts/html_report_screenshot.py [--out screenshots/html-report.png]

Builds the planted-shift comparison of the tests (refusals and broken JSON in locale=de
only), scores it with the static embedder, tags a few pairs, writes the page and saves a
full-page screenshot with Debian's Chromium.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.embedding import use_test_cache  # noqa: E402
from tests.web.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.web.test_html_report import build_page  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "screenshots" / "html-report.png"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from swapview.scoring.embeddings.distill import load_static_embedder
    from swapview.store import open_db

    use_test_cache()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "shift.db"
        page_file = build_page(open_db(db_path), db_path, Path(tmp), load_static_embedder())
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(page_file.as_uri())
            page.screenshot(path=args.out, full_page=True)
            browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
