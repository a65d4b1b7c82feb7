"""Importer timings on real text: the 20k-pair AlpacaEval scale file, rewritten into the
documented OpenAI Batch and LangSmith run formats (real prompts and answers; the file
layouts are written from the formats, as in the tests).

Each importer runs in a fresh process so its peak RSS is its own. Prints one row per
importer: pairs, seconds for the whole import (read, pair, store in SQLite), peak MB.

    PYTHONPATH=src python bench/bench_import.py [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
SCALE = REALDATA / "scale" / "alpaca_eval__many_models_vs_gpt4_1106_preview__20k.jsonl.gz"


def rows(limit: int) -> list[dict]:
    out = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n >= limit:
                break
            out.append(json.loads(line))
    return out


def write_jsonl(path: Path, items) -> Path:  # noqa: ANN001
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path


def batch_files(folder: Path, data: list[dict]) -> list[Path]:
    paths = []
    for side, model in (("baseline", "gpt-3.5"), ("candidate", "gpt-4")):
        paths.append(
            write_jsonl(
                folder / f"{side}_in.jsonl",
                (
                    {
                        "custom_id": f"r{i}",
                        "method": "POST",
                        "url": "/v1/chat/completions",
                        "body": {
                            "model": model,
                            "messages": [{"role": "user", "content": r["prompt"]}],
                        },
                    }
                    for i, r in enumerate(data)
                ),
            )
        )
        paths.append(
            write_jsonl(
                folder / f"{side}_out.jsonl",
                (
                    {
                        "id": f"b{i}",
                        "custom_id": f"r{i}",
                        "error": None,
                        "response": {
                            "status_code": 200,
                            "request_id": f"q{i}",
                            "body": {
                                "id": f"c{i}",
                                "model": model,
                                "choices": [
                                    {
                                        "index": 0,
                                        "finish_reason": "stop",
                                        "message": {
                                            "role": "assistant",
                                            "content": r[f"{side}_output"],
                                        },
                                    }
                                ],
                                "usage": {
                                    "prompt_tokens": 10,
                                    "completion_tokens": 20,
                                    "total_tokens": 30,
                                },
                            },
                        },
                    }
                    for i, r in enumerate(data)
                ),
            )
        )
    return paths


def langsmith_files(folder: Path, data: list[dict]) -> list[Path]:
    return [
        write_jsonl(
            folder / f"{side}.jsonl",
            (
                {
                    "id": f"{side}-{i}",
                    "session_id": side,
                    "reference_example_id": f"ex{i}",
                    "parent_run_id": None,
                    "inputs": {"question": r["prompt"]},
                    "outputs": {"answer": r[f"{side}_output"]},
                    "error": None,
                    "start_time": "2025-03-01T10:00:00",
                    "end_time": "2025-03-01T10:00:01.5",
                    "total_tokens": 30,
                    "feedback_stats": {"correct": {"n": 1, "avg": 1.0}},
                }
                for i, r in enumerate(data)
            ),
        )
        for side in ("baseline", "candidate")
    ]


CHILD = """
import json, resource, sys, time
from swapview.importers import run_import
from swapview.store import open_db
tool, db_path, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
t0 = time.perf_counter()
report = run_import(open_db(db_path), tool, paths, "bench")
print(json.dumps({"pairs": report.loaded, "seconds": time.perf_counter() - t0,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(tool: str, paths: list[Path], folder: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, tool, str(folder / f"{tool}.db"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=20_000)
    args = parser.parse_args()
    data = rows(args.limit)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        inputs = {
            "openai-batch": batch_files(folder, data),
            "langsmith": langsmith_files(folder, data),
        }
        print(f"wrote inputs in {time.perf_counter() - t0:.1f} s")
        print("| importer | pairs | MB read | seconds (read, pair, store) | peak MB |")
        print("|---|---:|---:|---:|---:|")
        for tool, paths in inputs.items():
            size = sum(p.stat().st_size for p in paths) / 1e6
            m = measure(tool, paths, folder)
            print(f"| {tool} | {m['pairs']:,} | {size:.1f} | {m['seconds']:.2f} | {m['rss']:.0f} |")


if __name__ == "__main__":
    main()
