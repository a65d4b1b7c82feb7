"""The promptfoo export, run by promptfoo itself against the stored outputs.

promptfoo 0.121.20 comes from npm via scripts/install-test-tools (scripts/test runs it).
The config swapview writes replays both stored outputs with the `echo` provider, so the
drafted assertions are checked on exactly what each model said.

`similar` needs an embeddings endpoint: a real OpenAI-compatible server on 127.0.0.1
(tests/support/openai_server.py) serves vectors from swapview's own embedded default
model. The stored distances (and so the drafted thresholds) are computed with the same
model, as they are when promptfoo is pointed at the endpoint that scored the pairs.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from swapview.export import Selection, export
from tests.support.eval_tools import PROMPTFOO, PROMPTFOO_ENV
from tests.support.export_data import STANDARD_CASES, build
from tests.support.openai_server import FakeOpenAI

FAILED_EXIT = 100  # promptfoo's exit code when any test case fails


def _offline_env(home: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PROMPTFOO_"))}
    # Anything not for 127.0.0.1 goes to a closed port: nothing leaves the machine.
    return (
        env
        | PROMPTFOO_ENV
        | {
            "HOME": str(home),
            "PROMPTFOO_CONFIG_DIR": str(home / ".promptfoo"),
            "OPENAI_BASE_URL": base_url,
        }
    )


def _run_promptfoo(tmp_path: Path, config: Path, base_url: str) -> dict:
    if not PROMPTFOO.exists():
        pytest.fail(f"promptfoo is not installed at {PROMPTFOO}: run scripts/install-test-tools")
    results = tmp_path / "results.json"
    proc = subprocess.run(
        [str(PROMPTFOO), "eval", "-c", str(config), "-o", str(results), "--no-cache"],
        cwd=tmp_path,
        env=_offline_env(tmp_path / "home", base_url),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == FAILED_EXIT, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(results.read_text())


def _outcomes(data: dict) -> dict[tuple[str, str], dict[str, bool]]:
    """(case key, 'baseline'|'candidate') -> {assertion type: passed, 'case': passed}."""
    out = {}
    for row in data["results"]["results"]:
        side = row["prompt"]["label"].split()[0]
        key = row["testCase"]["metadata"]["key"]
        parts = row["gradingResult"]["componentResults"]
        out[key, side] = {p["assertion"]["type"]: p["pass"] for p in parts}
        out[key, side]["case"] = row["success"]
    return out


@pytest.mark.slow
def test_promptfoo_fails_the_new_output_on_regressions(db, tmp_path, static_embedder):
    def embed(texts: list[str]) -> list[list[float]]:
        return static_embedder.embed(texts).tolist()

    build(db, STANDARD_CASES, embed=embed, model_name=static_embedder.name)
    tests, config = tmp_path / "tests.jsonl", tmp_path / "promptfooconfig.yaml"
    export(db, Selection(comparison="m1"), "promptfoo", str(tests), config_path=str(config))
    with FakeOpenAI(embed_fn=embed) as server:
        data = _run_promptfoo(tmp_path, config, server.base_url)
        assert server.stats.requests["embeddings"] > 0  # `similar` really embedded
    got = _outcomes(data)
    # promptfoo keeps nested metadata as given: the file's labels reach its results.
    labels = {
        row["testCase"]["metadata"]["key"]: row["testCase"]["metadata"].get("pair_metadata")
        for row in data["results"]["results"]
    }
    assert labels["json"]["Winner"] == "baseline" and labels["better"] is None
    assert len(got) == 12  # 6 cases x 2 replayed outputs
    for key in ("json", "refusal", "short"):  # tagged regression
        assert got[key, "baseline"]["case"], (key, got[key, "baseline"])
        assert not got[key, "candidate"]["case"], (key, got[key, "candidate"])
        assert not got[key, "candidate"]["similar"]
    # Each drafted check catches the break it was drafted for, and only on the new side.
    assert got["json", "baseline"]["is-json"] and not got["json", "candidate"]["is-json"]
    assert not got["refusal", "candidate"]["not-icontains"]
    assert got["refusal", "baseline"]["not-icontains"]
    assert not got["short", "candidate"]["word-count"]
    assert got["short", "baseline"]["word-count"]
    # An improvement the other way round; a neutral case accepts both outputs.
    assert got["better", "candidate"]["case"] and not got["better", "baseline"]["case"]
    assert got["same", "baseline"]["case"] and got["same", "candidate"]["case"]
    # The reviewer's corrected answer is the ideal: neither model wrote it.
    assert not got["fixed", "baseline"]["case"] and not got["fixed", "candidate"]["case"]
