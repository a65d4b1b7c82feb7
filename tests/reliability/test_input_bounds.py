"""Input past the caps: a bad row naming file and line, skipped by --skip-bad."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from swapview.ingest import readers

SRC = str(Path(__file__).parents[2] / "src")


def run_load(db: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SRC}
    cmd = [sys.executable, "-m", "swapview", "--db", str(db), "load", *args]
    return subprocess.run(cmd, input=stdin, capture_output=True, env=env, timeout=60)


def row(i: int) -> str:
    return json.dumps(
        {"id": str(i), "prompt": "p", "baseline_output": "a", "candidate_output": "b"}
    )


def test_deep_json_is_a_bad_row_and_skip_bad_skips_it(tmp_path: Path) -> None:
    f = tmp_path / "deep.jsonl"
    deep = '{"id": "x", "prompt": ' + "[" * 100_000 + "]" * 100_000 + "}"
    f.write_text("\n".join([row(1), deep, row(2)]) + "\n")
    plain = run_load(tmp_path / "a.db", str(f))
    assert plain.returncode == 1
    assert b"Traceback" not in plain.stderr and b"nested too deep" in plain.stderr
    assert f"{f}:2:".encode() in plain.stderr
    skip = run_load(tmp_path / "b.db", str(f), "--skip-bad", "--json")
    assert skip.returncode == 0, skip.stderr
    report = json.loads(skip.stdout)
    assert report["loaded"] == 2 and len(report["skipped"]) == 1


@pytest.mark.slow
def test_stdin_line_past_the_cap_is_refused_without_holding_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A smaller cap in a child process, so the test stays quick: the code path is the same.
    code = (
        "import sys; from swapview.ingest import readers; readers.MAX_LINE_BYTES = 1 << 20;"
        "from swapview.cli import main; sys.argv=['swapview','--db',sys.argv[1],'load','-',"
        "'--skip-bad','--json']; main()"
    )
    data = (row(1) + "\n" + "x" * (5 << 20) + "\n" + row(2) + "\n").encode()
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "s.db")],
        input=data,
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["loaded"] == 2
    assert report["skipped"][0].startswith("-:2:") and "longer than" in report["skipped"][0]


def test_bounded_lines_drops_only_the_long_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 10)
    lines = list(readers.bounded_lines(io.BytesIO(b"short\n" + b"y" * 50 + b"\nend")))
    assert lines == [b"short\n", None, b"end"]


def test_custom_tag_on_a_default_key_is_refused_at_config_load(tmp_path: Path) -> None:
    from swapview.config import load_config
    from swapview.errors import InputError

    cfg = tmp_path / "config.toml"
    cfg.write_text('[[tags]]\nname = "fatal"\nkey = "r"\n')
    with pytest.raises(InputError) as err:
        load_config(cfg)
    assert "'fatal'" in str(err.value) and "'regression'" in str(err.value)
    cfg.write_text('[[tags]]\nname = "fatal"\nkey = "f"\n')
    assert [t.key for t in load_config(cfg).all_tags()][-1] == "f"


@pytest.mark.parametrize(
    ("data", "said", "not_said"),
    [
        (
            "id,prompt\n1,café ok naïve \xff here\n".encode().replace(b"\xc3\xbf", b"\xff"),
            "damaged",
            "cp1252",
        ),
        ('{"id": "1", "prompt": "p"}\n'.encode("utf-16-le"), "UTF-16 (little-endian)", "cp1252"),
        ("id,prompt\n1,caf\xe9\n".encode("cp1252"), "cp1252", "damaged"),
    ],
)
def test_encoding_hint_says_what_was_found(tmp_path: Path, data, said, not_said) -> None:
    f = tmp_path / "in.csv"
    f.write_bytes(data)
    out = run_load(tmp_path / "s.db", str(f))
    assert out.returncode == 1
    err = out.stderr.decode()
    assert said in err and not_said not in err and "Traceback" not in err
