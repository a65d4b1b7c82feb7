"""Replay throughput and client CPU cost against a local chat server with fixed latency.

    PYTHONPATH=src:. python bench/replay.py [--latency 0.2] [--seconds 5] [-c 1 4 16 64]

The server (tests/support/openai_server.py) runs in its own process, so the CPU time
measured here (this process: event loop, httpx, JSON, SQLite writer thread) is the
client's alone. Each level answers concurrency x waves prompts into a fresh database;
the ideal rate is concurrency / latency. Wall time covers the whole run: client set-up,
reading the pending pairs, every request and the last commit. "lanes busy" divides the
achieved rate by concurrency / (mean latency the client saw), separating the client's
own overhead from a server slowed down by a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import platform
import statistics
import tempfile
import time
from pathlib import Path

from swapview.replay import ReplayConfig, Replayer
from swapview.store import (
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)


def serve(latency: float, port_out: mp.Queue, stop: mp.Event) -> None:
    from tests.support.openai_server import FakeOpenAI

    with FakeOpenAI(latency=latency) as srv:
        port_out.put(srv.port)
        stop.wait()


def seed(path: Path, n: int) -> None:
    db = open_db(path)
    with write_transaction(db):
        cid = ensure_comparison(db, "bench", baseline_model="old")
        records = (
            PairRecord(f"k{i}", f"Summarise item {i} in one line.", f"old {i}", None)
            for i in range(n)
        )
        PairWriter(db, cid, LoadReport()).write(records)
    db.close()


def run_level(
    base_url: str, concurrency: int, latency: float, seconds: float, folder: Path
) -> dict[str, float]:
    waves = max(3, math.ceil(seconds / latency))
    n = concurrency * waves
    path = folder / f"bench-{concurrency}.db"
    seed(path, n)
    db = open_db(path)
    config = ReplayConfig(
        base_url=base_url, model="bench-model", concurrency=concurrency, timeout=30
    )
    cpu0, wall0 = time.process_time(), time.perf_counter()
    summary = asyncio.run(Replayer(db, "bench", config).run())
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    lat = [
        row[0]
        for row in db.execute(
            "SELECT json_extract(metadata, '$.replay.candidate.latency_ms') FROM pairs"
        )
    ]
    db.close()
    assert summary.done == n, summary
    ideal = concurrency / latency
    # What the server actually took, as the client saw it: on a busy machine it runs
    # over the configured latency, and the client cannot beat concurrency / that.
    seen = statistics.fmean(lat) / 1000
    return {
        "concurrency": concurrency,
        "requests": n,
        "seconds": wall,
        "achieved": n / wall,
        "ideal": ideal,
        "ratio": n / wall / ideal,
        "busy": n / wall / (concurrency / seen),
        "cpu_ms": cpu / n * 1000,
        "latency_mean": seen * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--seconds", type=float, default=5.0, help="target length per level")
    parser.add_argument("-c", "--concurrency", type=int, nargs="+", default=[1, 4, 16, 64])
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    port_q, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve, args=(args.latency, port_q, stop), daemon=True)
    server.start()
    base_url = f"http://127.0.0.1:{port_q.get(timeout=30)}/v1"
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for c in args.concurrency:
                rows.append(run_level(base_url, c, args.latency, args.seconds, Path(tmp)))
                print_row(rows[-1])
    finally:
        stop.set()
        server.join(timeout=10)
    print(
        f"\n{platform.processor() or platform.machine()}, {mp.cpu_count()} cores,"
        f" Python {platform.python_version()}, server latency {args.latency * 1000:.0f} ms"
    )


def print_row(r: dict[str, float]) -> None:
    if r["concurrency"] == 1 or not hasattr(print_row, "header"):
        print_row.header = True  # type: ignore[attr-defined]
        print(
            "| in flight | requests | seconds | achieved req/s | ideal req/s | achieved/ideal"
            " | mean latency seen ms | lanes busy | client CPU ms/request |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {r['concurrency']} | {r['requests']} | {r['seconds']:.2f} | {r['achieved']:.1f}"
        f" | {r['ideal']:.0f} | {r['ratio']:.3f} | {r['latency_mean']:.0f}"
        f" | {r['busy']:.3f} | {r['cpu_ms']:.2f} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
