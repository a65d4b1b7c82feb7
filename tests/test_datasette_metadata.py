"""`swapview datasette-metadata`, served by the real datasette on 127.0.0.1 (#15).

datasette comes from the test extra; where it lives apart from the test environment
(a --target install), SWAPVIEW_DATASETTE_PATH is put on the server's PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from swapview import reviews
from swapview.cli import main
from swapview.store import write_transaction
from tests.support.export_data import STANDARD_CASES, build


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _datasette_env() -> dict[str, str]:
    env = dict(os.environ)
    extra = os.environ.get("SWAPVIEW_DATASETTE_PATH")
    if extra:
        env["PYTHONPATH"] = extra  # its own dependencies, not the test's
    return env


def _get(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def served(db: Any, db_path: Path, tmp_path: Path):
    ids = build(db, STANDARD_CASES)
    with write_transaction(db):  # a finish reason that changed, in the importers' shape
        db.execute(
            "UPDATE pairs SET metadata = ? WHERE id = ?",
            [
                json.dumps({"baseline.finish_reason": "stop", "candidate.finish_reason": "length"}),
                ids["short"],
            ],
        )
    reviews.record(db, ids["short"], "bo", tag="regression", note="cut off")
    meta = tmp_path / "metadata.json"
    result = CliRunner().invoke(main, ["--db", str(db_path), "datasette-metadata", "-o", str(meta)])
    assert result.exit_code == 0, result.output
    port = _free_port()
    check = subprocess.run(
        [sys.executable, "-c", "import datasette"], env=_datasette_env(), capture_output=True
    )
    if check.returncode != 0:
        pytest.fail("datasette is not installed: pip install -e '.[test]'")
    proc = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(db_path), "-m", str(meta),
         "--host", "127.0.0.1", "-p", str(port)],
        env=_datasette_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(port, "/-/versions.json")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "") from None
                time.sleep(0.1)
        yield port, db_path.stem, ids
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _query(port: int, name: str, query: str, **params: str) -> list[dict[str, Any]]:
    args = "&".join(f"{k}={v}" for k, v in {"_shape": "objects", **params}.items())
    return _get(port, f"/{name}/{query}.json?{args}")["rows"]


def test_datasette_serves_the_canned_queries(served) -> None:
    port, name, ids = served
    summary = _query(port, name, "comparison_summary")
    assert len(summary) == 1 and summary[0]["comparison"] == "m1"
    assert summary[0]["pairs"] == len(STANDARD_CASES)
    tagged = [c for c in STANDARD_CASES if c.tag is not None]
    assert summary[0]["reviewed"] == len(tagged)
    regressions = _query(port, name, "regressions", comparison="m1")
    assert "short" in {r["key"] for r in regressions}
    assert {r["key"] for r in regressions} == {
        c.key for c in STANDARD_CASES if c.tag == "regression"
    } | {"short"}
    changed = _query(port, name, "finish_reason_changed", comparison="")
    assert [
        (r["key"], r["baseline_finish_reason"], r["candidate_finish_reason"]) for r in changed
    ] == [("short", "stop", "length")]
    history = _query(port, name, "review_history", comparison="m1")
    assert history[0]["reviewer"] == "bo" and history[0]["key"] == "short"
    reviewed = _query(port, name, "pairs_reviewed", comparison="m1")
    assert len(reviewed) == len(STANDARD_CASES)


def test_datasette_labels_pairs_by_their_key(served) -> None:
    port, name, ids = served
    rows = _get(port, f"/{name}/decisions.json?_shape=objects&_labels=on")["rows"]
    by_pair = {r["pair_id"]["label"]: r for r in rows}
    assert by_pair["short"]["pair_id"]["value"] == ids["short"]
    pairs = _get(port, f"/{name}/pairs.json?_shape=objects&_labels=on")["rows"]
    assert {p["comparison_id"]["label"] for p in pairs} == {"m1"}
