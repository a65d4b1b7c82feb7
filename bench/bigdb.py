"""Build a large review database for benchmarks from the real scale file.

The shared scale file has 20,000 real pairs over 805 prompts. To reach 1,000,000 pairs we
recombine: pair i takes prompt group i % 805 and two different real answers to that
prompt (from the ~25 models that answered it). Texts are real and of real length; the
pairings are synthetic. Scores are synthetic too (a hash of the pair id), with about 5%
of pairs carrying a quirk signal: the benchmark measures paging and drawing, not scoring.
A few pairs get 2,000-line outputs (real answers' lines repeated) for the long-output
figure; their keys start with "long-".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from swapview.store import (  # noqa: E402
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)

SCALE = (
    Path(__file__).resolve().parent.parent.parent
    / "shared/realdata/scale/alpaca_eval__many_models_vs_gpt4_1106_preview__20k.jsonl.gz"
)
LONG_PAIRS = 20
SIGNALS = ["json_broke", "truncated", "refusal_appeared", "much_shorter", "markdown_changed"]


def _groups() -> list[tuple[str, list[tuple[str, str]]]]:
    by_prompt: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with gzip.open(SCALE, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            by_prompt[r["prompt"]].append((r["baseline_model"], r["baseline_output"] or ""))
            answers = by_prompt[r["prompt"]]
            if not any(m == r["candidate_model"] for m, _ in answers):
                answers.append((r["candidate_model"], r["candidate_output"] or ""))
    return sorted(by_prompt.items())


def _records(n: int, groups):
    for i in range(n):
        prompt, answers = groups[i % len(groups)]
        k = i // len(groups)
        a = answers[k % len(answers)]
        b = answers[(k * 7 + 3) % len(answers)]
        if a is b:
            b = answers[(k + 1) % len(answers)]
        yield PairRecord(
            f"p{i:07d}", prompt, a[1], b[1], {"baseline_model": a[0], "candidate_model": b[0]}
        )


def _long_records(groups):
    for j in range(LONG_PAIRS):
        lines_a, lines_b = [], []
        for g in range(j * 40, j * 40 + 400):
            _, answers = groups[g % len(groups)]
            lines_a += answers[0][1].splitlines()
            lines_b += answers[1][1].splitlines() if g % 3 == 0 else answers[0][1].splitlines()
        yield PairRecord(
            f"long-{j:02d}",
            "Write a long report.",
            "\n".join(lines_a[:2000]),
            "\n".join(lines_b[:2000]),
            {"long": True},
        )


def _unit(pid: int, salt: str) -> float:
    h = hashlib.blake2b(f"{salt}{pid}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "little") / 2**64


def build(path: Path, n: int) -> None:
    t0 = time.perf_counter()
    groups = _groups()
    db = open_db(path)
    with write_transaction(db):
        cid = ensure_comparison(db, "scale", baseline_model="many", candidate_model="many")
        PairWriter(db, cid, LoadReport()).write(_long_records(groups))
        PairWriter(db, cid, LoadReport()).write(_records(n - LONG_PAIRS, groups))
    print(f"pairs written in {time.perf_counter() - t0:.0f}s", flush=True)
    with write_transaction(db):
        rows = db.execute("SELECT id, key FROM pairs")
        batch, sig = [], []
        for pid, key in rows:
            sem = 0.9 + _unit(pid, "l") / 10 if key.startswith("long-") else _unit(pid, "s")
            nsig = 1 if _unit(pid, "q") < 0.05 else 0
            batch.append(
                (
                    pid,
                    "h",
                    "bench",
                    "bench",
                    sem,
                    _unit(pid, "x"),
                    _unit(pid, "len") - 0.5,
                    nsig,
                    "t",
                )
            )
            if nsig:
                sig.append((pid, SIGNALS[pid % len(SIGNALS)]))
        db.conn.executemany(
            "INSERT INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
            " semantic_distance, lexical_distance, length_change, signal_count, scored)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
        db.conn.executemany("INSERT INTO signals (pair_id, name) VALUES (?, ?)", sig)
    db.close()
    print(f"built {path} ({n:,} pairs) in {time.perf_counter() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    build(Path(sys.argv[1]), int(sys.argv[2]))
