"""Files as odd tools leave them (#13): old-Mac CR-only CSV, damaged gzip, one JSON document
too big to parse here. Each loads, or stops with one line naming the file, never a
traceback and never after eating memory."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from swapview.store import open_db

SRC = str(Path(__file__).parents[2] / "src")


def run_load(db: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SRC}
    prefix = [sys.executable, "-c", code, "--db", str(db)] if code else None
    cmd = prefix or [sys.executable, "-m", "swapview", "--db", str(db)]
    return subprocess.run(
        [*cmd, "load", *args], capture_output=True, text=True, env=env, timeout=60
    )


def pairs(db_path: Path) -> list[tuple[str, str, str, str]]:
    db = open_db(db_path)
    try:
        sql = "SELECT key, prompt, baseline_output, candidate_output FROM pairs ORDER BY key"
        return [tuple(r) for r in db.execute(sql)]
    finally:
        db.close()


# Excel 2008 for Mac's "CSV (Macintosh)" and classic Mac tools end lines with CR alone.
CR_CSV = (
    b"id,prompt,baseline_output,candidate_output\r"
    b'1,"Two\rlines",old one,new one\r'
    b"2,Plain,old two,new two\r"
)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_cr_only_csv_loads(tmp_path: Path, compress: bool) -> None:
    f = tmp_path / ("mac.csv.gz" if compress else "mac.csv")
    f.write_bytes(gzip.compress(CR_CSV) if compress else CR_CSV)
    out = run_load(tmp_path / "db.sqlite", str(f))
    assert out.returncode == 0, out.stderr
    assert pairs(tmp_path / "db.sqlite") == [
        ("1", "Two\nlines", "old one", "new one"),
        ("2", "Plain", "old two", "new two"),
    ]


def test_cr_only_csv_bad_row_names_its_line(tmp_path: Path) -> None:
    f = tmp_path / "mac.csv"
    f.write_bytes(CR_CSV + b"3,too,many,cells,here\r")
    out = run_load(tmp_path / "db.sqlite", str(f))
    assert out.returncode == 1
    assert f"{f}:5:" in out.stderr and "expected 4 columns" in out.stderr


def _gz(tmp_path: Path) -> bytes:
    rows = "".join(
        json.dumps({"id": str(i), "prompt": f"p{i}", "baseline": "a" * i, "candidate": "b"}) + "\n"
        for i in range(2000)
    )
    return gzip.compress(rows.encode())


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda b: b"\x1f\x8a" + b[2:], "damaged gzip header (starts 1f 8a 08"),
        (lambda b: b"\x1e\x8b" + b[2:], "damaged gzip header (starts 1e 8b 08"),
        (lambda b: b[: len(b) // 2] + bytes([b[len(b) // 2] ^ 0x40]) + b[len(b) // 2 + 1 :],
         "corrupt gzip data"),
        (lambda b: b[:-6] + bytes([b[-6] ^ 1]) + b[-5:], "corrupt gzip data (CRC check failed"),
        (lambda b: b[: len(b) // 3], "gzip data ends early"),
    ],
    ids=["magic-1", "magic-0", "middle", "crc", "truncated"],
)  # fmt: skip
def test_damaged_gzip_is_one_line_naming_the_file(tmp_path: Path, damage, said) -> None:
    f = tmp_path / "pairs.jsonl.gz"
    f.write_bytes(damage(_gz(tmp_path)))
    out = run_load(tmp_path / "db.sqlite", str(f))
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {f}"), out.stderr
    assert said in lines[0] and "gzip -t" in lines[0]
    assert "cp1252" not in lines[0] and "iconv" not in lines[0]


# A 1 MiB cap in the child process keeps the test quick; the code path is the one a
# 600 MB file takes at the real cap.
SMALL_CAP = (
    "import sys; from swapview.ingest import streams; streams.MAX_DOCUMENT_BYTES = 1 << 20;"
    "from swapview.cli import main; sys.argv = ['swapview', *sys.argv[1:]]; main()"
)


def _big_document(path: Path, n: int) -> Path:
    rows = [
        {"id": str(i), "prompt": "p" * 500, "baseline": "a", "candidate": "b"} for i in range(n)
    ]
    path.write_text(json.dumps({"version": 1, "data": rows}, indent=1))
    return path


def test_a_json_document_past_the_cap_is_refused(tmp_path: Path) -> None:
    big = _big_document(tmp_path / "big.json", 4000)  # about 2 MB
    out = run_load(tmp_path / "db.sqlite", str(big), code=SMALL_CAP)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert f"{big}: a single JSON document over 1 MiB is not read into memory" in lines[0]
    assert "JSONL" in lines[0]
    small = _big_document(tmp_path / "small.json", 500)  # under the cap: loads
    assert run_load(tmp_path / "ok.sqlite", str(small), code=SMALL_CAP).returncode == 0


def test_a_promptfoo_results_file_past_the_cap_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "results.json"
    rows = [{"provider": {"id": "p"}, "response": {"output": "x" * 1000}}] * 2000
    big.write_text(json.dumps({"results": {"version": 3, "results": rows}}))
    out = run_load(tmp_path / "db.sqlite", "--from", "promptfoo", str(big), code=SMALL_CAP)
    assert out.returncode == 1
    assert "a single JSON document over 1 MiB is not read into memory" in out.stderr
    assert "Traceback" not in out.stderr
