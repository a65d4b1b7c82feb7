"""`report --html`: the page renders in headless Chromium with no console error, sends
no request beyond its own file, and shows untrusted outputs as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from swapview import reviews
from swapview.cli import main
from swapview.scoring.runner import score_comparison
from swapview.store import PairRecord
from tests.support.shift_data import load, planted_records
from tests.web.browser import browser_page, require_browser

HOSTILE = '<script>window.pwned = 1</script><img src="http://example.com/x.png">'


def build_page(db, db_path: Path, out: Path, embedder) -> Path:
    records = planted_records(600)
    records.append(PairRecord("hostile", "p", "Fine answer.", HOSTILE, {"locale": "en"}))
    load(db, "planted", records)
    score_comparison(db, "planted", embedder)
    ids = dict(db.execute("SELECT key, id FROM pairs").fetchall())
    for key in ("hostile", "k3", "k8", "k13", "k1", "k2"):
        reviews.record(db, ids[key], "tester", tag="regression" if key != "k2" else "same")
    db.close()
    page = out / "report.html"
    result = CliRunner().invoke(main, ["--db", str(db_path), "report", "--html", str(page)])
    assert result.exit_code == 0, result.output
    return page


@pytest.mark.slow
def test_html_report_renders_offline_without_errors(db, db_path, tmp_path, static_embedder):
    require_browser()
    page_file = build_page(db, db_path, tmp_path, static_embedder)
    html = page_file.read_text(encoding="utf-8")
    assert "<script" not in html.replace("&lt;script", "")  # the hostile output is escaped
    assert html.count("<svg") >= 2  # the length histogram and at least one rate chart
    errors: list[str] = []
    requests: list[str] = []
    with browser_page(tmp_path / "profile") as page:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        assert "in locale=de" in page.inner_text("body")
        assert page.evaluate("window.pwned") is None
        assert HOSTILE[:20] in page.inner_text("body")  # shown as text
        svg_width = page.evaluate("document.querySelector('svg').getBoundingClientRect().width")
        assert svg_width > 200
    assert errors == []
    assert requests == [page_file.as_uri()]
