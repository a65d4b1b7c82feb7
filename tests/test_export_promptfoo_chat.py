"""Chat prompts exported for promptfoo reach the model as messages, and come back as turns.

The round trip a team runs (#15): `swapview export --format promptfoo`, then a live
`promptfoo eval` with the prompt the config names (``{{ messages | dump }}``) and two
OpenAI chat providers pointed at a real local server (tests/support/openai_server.py),
which records the message lists it received; then `swapview load --from promptfoo` on the
results. promptfoo 0.121.20 comes from scripts/install-test-tools.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.export import Selection, export
from swapview.export.formats import LIVE_PROMPT
from swapview.store import decode_prompt, open_db
from tests.support.eval_tools import PROMPTFOO, PROMPTFOO_ENV
from tests.support.export_data import Case, build
from tests.support.openai_server import FakeOpenAI

SYSTEM_CHAT = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": 'Say "hi" to\nAda.'},
]
PARTS_CHAT = [
    {"role": "user", "content": [{"type": "text", "text": "Describe the colour blue."}]},
]
TEXT = "What is 2 + 2?"
CASES = [
    Case("chat", SYSTEM_CHAT, "Hi Ada.", "Hello there, Ada, how are you today?", "regression"),
    Case("parts", PARTS_CHAT, "Blue is calm.", "Blue is the colour of the sky.", "improvement"),
    Case("text", TEXT, "4", "It is 4.", "neutral"),
]


def _env(home: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PROMPTFOO_"))}
    return (
        env
        | PROMPTFOO_ENV
        | {
            "HOME": str(home),
            "PROMPTFOO_CONFIG_DIR": str(home / ".promptfoo"),
            "OPENAI_BASE_URL": base_url,
        }
    )


def _live_config(tmp_path: Path, tests: Path, base_url: str) -> Path:
    providers = [
        {"id": f"openai:chat:{m}", "label": m, "config": {"apiBaseUrl": base_url}}
        for m in ("old-model", "new-model")
    ]
    config = {"prompts": [LIVE_PROMPT], "providers": providers, "tests": f"file://{tests.name}"}
    path = tmp_path / "live.yaml"
    path.write_text(json.dumps(config))
    return path


def _user_turns(bodies: list[dict[str, Any]], model: str) -> list[list[dict[str, Any]]]:
    return sorted(
        (b["messages"] for b in bodies if b.get("model") == model and "messages" in b),
        key=json.dumps,
    )


def test_chat_prompts_round_trip_through_promptfoo(db: Any, db_path: Path, tmp_path: Path) -> None:
    if not PROMPTFOO.exists():
        pytest.fail(f"promptfoo is not installed at {PROMPTFOO}: run scripts/install-test-tools")
    build(db, CASES)
    tests = tmp_path / "tests.jsonl"
    export(db, Selection(comparison="m1"), "promptfoo", str(tests))
    with FakeOpenAI() as srv:
        results = tmp_path / "results.json"
        config = _live_config(tmp_path, tests, srv.base_url)
        proc = subprocess.run(
            [str(PROMPTFOO), "eval", "-c", str(config), "-o", str(results), "--no-cache"],
            cwd=tmp_path,
            env=_env(tmp_path / "home", srv.base_url),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert proc.returncode in (0, 100), proc.stdout[-3000:] + proc.stderr[-3000:]
        bodies = list(srv.stats.bodies)
    expected = sorted(
        [SYSTEM_CHAT, PARTS_CHAT, [{"role": "user", "content": TEXT}]], key=json.dumps
    )
    # Each model got every case as the message list it was reviewed with, not flattened.
    assert _user_turns(bodies, "old-model") == expected
    assert _user_turns(bodies, "new-model") == expected

    loaded = tmp_path / "loaded.db"
    result = CliRunner().invoke(
        main, ["--db", str(loaded), "load", "--from", "promptfoo", str(results)]
    )
    assert result.exit_code == 0, result.output
    back = open_db(loaded)
    rows = back.execute("SELECT prompt, prompt_format, candidate_output FROM pairs").fetchall()
    back.close()
    assert {fmt for _, fmt, _ in rows} == {"chat"}
    prompts = sorted((decode_prompt(p, f) for p, f, _ in rows), key=json.dumps)
    assert prompts == expected
    assert all(out.startswith("[new-model] answer to: ") for _, _, out in rows)
