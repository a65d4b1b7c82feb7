"""Load while a reviewer tags: tags stored / pressed, the longest a tag waited, and the
load's speed against main's load path, both measured in this run.

A subprocess runs ``swapview load`` of N synthetic pairs (real row sizes: about 1.2 kB
per pair) into a database that already holds a small comparison; this process tags
through ReviewSession, one tag every 50 ms, for as long as the load runs. The same load
without tagging then runs once with this tree's code and once with main's (extracted by
``git archive main src``), so the ratio compares like with like on this machine now.

    python bench/load_while_tagging.py --rows 100000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from swapview.ingest import load_files
from swapview.session import ReviewSession
from swapview.store import open_db

ROOT = Path(__file__).resolve().parent.parent


def write_pairs(path: Path, rows: int, start: int = 0) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(start, start + rows):
            row = {
                "id": f"k{i}",
                "prompt": f"prompt {i} " + "p" * 400,
                "baseline_output": f"old {i} " + "o" * 400,
                "candidate_output": f"new {i} " + "n" * 400,
            }
            f.write(json.dumps(row) + "\n")


def seeded_db(tmp: Path, name: str) -> tuple[Path, list[int]]:
    db_path = tmp / f"{name}.db"
    small = tmp / "seed.jsonl"
    write_pairs(small, 400, start=10_000_000)
    db = open_db(db_path)
    load_files(db, [small], comparison="seed")
    ids = [r[0] for r in db.execute("SELECT id FROM pairs ORDER BY id")]
    db.close()
    return db_path, ids


def run_load(src: Path, db_path: Path, data: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "swapview", "--db", str(db_path), "load", str(data), "-c", "big"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def timed_load(src: Path, db_path: Path, data: Path) -> float:
    t0 = time.monotonic()
    proc = run_load(src, db_path, data)
    _, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(err.decode())
    return time.monotonic() - t0


def tagging_run(tmp: Path, data: Path) -> dict:
    db_path, ids = seeded_db(tmp, "tagging")
    outcomes = []
    session = ReviewSession(db_path, "bench", outcomes.append)
    proc = run_load(ROOT / "src", db_path, data)
    time.sleep(0.3)
    pressed, waits = 0, []
    while proc.poll() is None and pressed < len(ids):
        t0 = time.monotonic()
        session.tag(ids[pressed], "regression")
        pressed += 1
        session.wait_idle(120)
        waits.append(time.monotonic() - t0)
        time.sleep(0.05)
    proc.communicate()
    session.close()
    db = open_db(db_path)
    stored = db.execute("SELECT count(*) FROM decisions WHERE tag = 'regression'").fetchone()[0]
    errors = sum(1 for o in outcomes if o.error)
    return {"pressed": pressed, "stored": stored, "errors": errors, "max_wait_s": max(waits)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        data = tmp / "big.jsonl"
        write_pairs(data, args.rows)
        old_src = tmp / "main"
        old_src.mkdir()
        tar = subprocess.run(["git", "-C", ROOT, "archive", "main", "src"], capture_output=True)
        subprocess.run(["tar", "-x", "-C", old_src], input=tar.stdout, check=True)
        result = tagging_run(tmp, data)
        new_t, old_t = [], []
        for i in range(args.repeat):  # alternate, so machine noise hits both
            for label, src, out in (("new", ROOT / "src", new_t), ("old", old_src / "src", old_t)):
                db_path, _ = seeded_db(tmp, f"{label}{i}")
                out.append(timed_load(src, db_path, data))
        result |= {
            "rows": args.rows,
            "load_s_this_tree": round(min(new_t), 2),
            "load_s_main": round(min(old_t), 2),
            "ratio": round(min(new_t) / min(old_t), 3),
        }
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
