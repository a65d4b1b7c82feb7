"""No untrusted byte reaches a terminal: hostile keys, model names, reviewer names, notes,
outputs and server errors go through every command, and no output carries a character that
a terminal acts on or that hides text (issue 13)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.mdsafe import md_code, md_text
from swapview.session import ReviewSession
from swapview.textsafe import ZERO_WIDTH_MARK, json_visible, visible
from tests.support.openai_server import FakeOpenAI

HOSTILE = {
    "osc-title": "\x1b]0;pwned\x07",
    "osc-title-st": "\x1b]2;pwned\x1b\\",
    "osc-link": "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "osc-clipboard": "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "csi-clear": "\x1b[2J\x1b[H",
    "c1-csi": "\x9b2J",
    "bidi": "\u202eevil\u202c",
    "isolate": "\u2066x\u2069",
    "zero-width": "1\u200b2\u200c3\u200d4\u20605\ufeff",
    "rich-markup": "[bold red]x[/]",
    "textual-markup": "[@click=app.quit]q[/]",
}
# What must never appear in output: ESC, BEL, other C0 but newline/tab/CR, DEL, C1,
# bidi controls and zero-width characters.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def hostile(i: int) -> str:
    return list(HOSTILE.values())[i % len(HOSTILE)]


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)


def assert_inert(text: str, where: str) -> None:
    found = FORBIDDEN.search(text)
    assert found is None, f"{where}: raw {found.group()!r} in output: {text[:300]!r}"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    src = tmp / "pairs.jsonl"
    rows = []
    for i in range(24):
        h = hostile(i)
        rows.append(
            {
                "key": f"k{i}-{h}",
                "prompt": f"prompt {h}",
                "baseline_output": f"old answer {i} {h}",
                "candidate_output": f"new answer {h}" if i % 3 else "I cannot help with that.",
                "baseline_model": "gpt-4o\x1b]0;pwned\x07",
                "candidate_model": "gpt-4.1\u202e",
                "feature": h,
            }
        )
    rows.append(dict(rows[0]))  # a duplicate key: the load report lists it
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    db = tmp / "h.db"
    res = run("--db", str(db), "load", str(src))
    assert res.exit_code == 0, res.output
    assert_inert(res.output, "load")
    assert "duplicate keys" in res.output
    session = ReviewSession(str(db), "ana\x1b]52;c;cHduZWQ=\x07\u200b", lambda _o: None)
    try:
        import sqlite3

        ids = [r[0] for r in sqlite3.connect(db).execute("SELECT id FROM pairs ORDER BY id")]
        for n, pid in enumerate(ids[:12]):
            session.tag(pid, ("regression", "improvement", "neutral")[n % 3])
            session.note(pid, f"note {hostile(n)}")
        assert session.wait_idle(20)
    finally:
        session.close()
    return db


COMMANDS = [
    ["stats"],
    ["stats", "--json"],
    ["report"],
    ["report", "--json"],
    ["report", "--fail-if", "regressions>100"],
    ["triage", "refit", "--top", "30"],
    ["triage", "clusters"],
    ["triage", "estimate"],
    ["triage", "sample"],
    ["contracts", "infer"],
    ["export", "-f", "swapview", "-o", "-"],
    ["export", "-f", "promptfoo", "-o", "-"],
    ["export", "-f", "inspect", "-o", "-"],
    ["export", "-c", "no\x1b]0;such\x07", "-f", "inspect", "-o", "-"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c)[:40])
def test_every_command_prints_hostile_data_inert(hostile_db, command):
    res = CliRunner().invoke(main, ["--db", str(hostile_db), *command], env={})
    assert_inert(res.output, " ".join(command))


def test_json_output_keeps_the_data(hostile_db):
    res = run("--db", str(hostile_db), "export", "-f", "swapview", "-o", "-")
    keys = {json.loads(line)["key"] for line in res.output.splitlines() if line.strip()}
    assert "k8-1\u200b2\u200c3\u200d4\u20605\ufeff" in keys  # the exact key, parsed back


def test_a_server_error_message_reaches_the_terminal_inert(tmp_path):
    src = tmp_path / "p.jsonl"
    src.write_text(json.dumps({"key": "a", "prompt": "hi", "baseline_output": "x"}) + "\n")
    db = tmp_path / "r.db"
    with FakeOpenAI() as server:
        server.fail_when(lambda _b: True, "404", message="no model \x1b]0;pwned\x07\x1b[2J")
        res = run(
            "--db",
            str(db),
            "replay",
            "--prompts",
            str(src),
            "-c",
            "r",
            "-m",
            "m",
            "--base-url",
            server.base_url,
            env={"SWAPVIEW_API_KEY": "k"},
        )
    assert_inert(res.output, "replay")
    assert "pwned" in res.output or res.exit_code != 0


@pytest.mark.parametrize("name, text", HOSTILE.items())
def test_sanitisers_leave_nothing_active(name, text):
    for shown in (visible(text), md_text(text), md_code(text)):
        assert FORBIDDEN.search(shown) is None, name
    assert json.loads(json_visible(json.dumps(text, ensure_ascii=False))) == text


def test_zero_width_characters_show_as_a_mark():
    assert visible("account 1\u200b2345") == f"account 1{ZERO_WIDTH_MARK}2345"
    assert visible("account 12345") != visible("account 1\u200b2345")
