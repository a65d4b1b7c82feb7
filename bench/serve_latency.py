"""`swapview serve` at the websocket's edge: tab start, key-to-frame latency, bytes, memory.

Starts the real `swapview serve` on a free loopback port and speaks the page's websocket
protocol (what textual.js sends: ["stdin", keys], ["resize", ...]) from a client in this
process, so the figures include the relay through the server; the browser's own drawing
(xterm.js) is not in them. Latency is key sent -> first frame whose text shows the next
pair's position in the status bar ("k/N").

Data: the shared 20k scale file (real AlpacaEval answers, many baseline models against one
candidate), loaded into a fresh database; order `key` (no scoring needed).

    PYTHONPATH=src:. python bench/serve_latency.py [--pairs 20000] [--keys 100] [--tabs 1 4]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
SCALE = (
    ROOT.parent
    / "shared"
    / "realdata"
    / "scale"
    / "alpaca_eval__many_models_vs_gpt4_1106_preview__20k.jsonl.gz"
)
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def load(db_path: Path, limit: int) -> int:
    from swapview.store import (
        LoadReport,
        PairRecord,
        PairWriter,
        ensure_comparison,
        open_db,
        write_transaction,
    )

    records = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n >= limit:
                break
            row = json.loads(line)
            records.append(
                PairRecord(
                    f"{n:06d}-{row['id']}",
                    row["prompt"],
                    row["baseline_output"] or "",
                    row["candidate_output"] or "",
                    {},
                )
            )
    db = open_db(db_path)
    with write_transaction(db):
        cid = ensure_comparison(
            db, "scale", baseline_model="many", candidate_model="gpt4_1106_preview"
        )
        PairWriter(db, cid, LoadReport()).write(records)
    db.close()
    return len(records)


class Tab:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.bytes = 0

    async def until(self, needle: str, timeout: float = 60.0) -> list[tuple[float, float]]:
        """Read frames until one shows ``needle``: (perf_counter, wall clock) of each."""
        tail, arrivals = "", []
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = await asyncio.wait_for(self.ws.receive(), deadline - time.monotonic())
            except TimeoutError:
                raise SystemExit(f"never saw {needle!r}; last text: {tail!r}") from None
            if msg.type != aiohttp.WSMsgType.BINARY:
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    raise SystemExit("tab closed: " + tail)
                continue
            arrivals.append((time.perf_counter(), time.time()))
            self.bytes += len(msg.data)
            text = tail + _ESCAPES.sub("", msg.data.decode("utf-8", "replace"))
            if needle in text:
                return arrivals
            tail = text[-200:]  # a needle split across two frames


async def run_tabs(url: str, n_tabs: int, keys: int, total: int) -> dict:
    ws_url = url.replace("http", "ws") + "ws?width=120&height=40"
    async with aiohttp.ClientSession() as http:
        t0 = time.perf_counter()
        sockets = [await http.ws_connect(ws_url, max_msg_size=0) for _ in range(n_tabs)]
        tabs = [Tab(ws) for ws in sockets]
        starts = [(await tab.until(f"1/{total:,}"))[-1][0] - t0 for tab in tabs]
        await asyncio.sleep(1.0)  # let the first pair's prompt and scrollbars settle
        moved, shown, kbytes, shown_at = [], [], [], []
        for k in range(1, keys + 1):
            for tab in tabs:
                before = tab.bytes
                sent = time.perf_counter()
                await tab.ws.send_json(["stdin", "j"])
                frames = await tab.until(f"{k + 1:,}/{total:,}")
                # Frames within a millisecond are the previous key's tail, already queued.
                fresh = [f for f in frames if f[0] - sent > 0.001] or frames
                moved.append((fresh[0][0] - sent) * 1000)
                shown.append((frames[-1][0] - sent) * 1000)
                shown_at.append(frames[-1][1])
                await asyncio.sleep(0.1)  # a fast reviewer; lets the frame finish
                kbytes.append((tab.bytes - before) / 1024)
        for ws in sockets:
            await ws.close()
    return {
        "start": max(starts),
        "moved": pct(moved, 50),
        "p50": pct(shown, 50),
        "p95": pct(shown, 95),
        "max": max(shown),
        "kb": statistics.median(kbytes),
        "shown_at": shown_at,
    }


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * p / 100) - 1)]


def relay_ms(frame_log: Path, arrivals: list[float]) -> float:
    """Median time from the app's write of a frame (its $SWAPVIEW_FRAME_LOG line) to the
    frame's arrival at the websocket client: what serving adds over a terminal."""
    writes = sorted(float(line.split()[0]) for line in frame_log.read_text().splitlines())
    gaps = []
    for at in arrivals:
        i = bisect.bisect_right(writes, at)
        if i:
            gaps.append((at - writes[i - 1]) * 1000)
    return statistics.median(gaps) if gaps else float("nan")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            kids = [int(k) for k in (task / "children").read_text().split()]
            out += kids
            todo += kids
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--tabs", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "scale.db"
        total = load(db, args.pairs)
        cmd = [
            sys.executable,
            "-c",
            "from swapview.cli import main; main()",
            "--db",
            str(db),
            "serve",
            "--port",
            "0",
            "--reviewer",
            "bench",
            "--order",
            "key",
            "--no-resume",
        ]
        frame_log = Path(tmp) / "frames.log"
        env = dict(os.environ, SWAPVIEW_FRAME_LOG=str(frame_log))  # the tabs inherit it
        server = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        try:
            assert server.stdout is not None
            url = ""
            while not url:
                line = server.stdout.readline()
                if not line:
                    raise SystemExit("swapview serve exited")
                if m := re.search(r"(http://\S+/)", line):
                    url = m.group(1)
            print(f"{total:,} pairs, 120x40, {args.keys} j presses per tab, loopback\n")
            print(
                "| tabs | tab start s | j -> queue moved p50 ms | j -> pair shown p50 / p95 /"
                " max ms | relay ms | kB per key | MB per tab | server MB |"
            )
            print("|---:|---:|---:|---:|---:|---:|---:|---:|")
            for n in args.tabs:
                frame_log.write_text("")
                res = asyncio.run(measure(url, n, args.keys, total, server.pid))
                relay = f"{relay_ms(frame_log, res['shown_at']):.1f}" if n == 1 else "-"
                print(
                    f"| {n} | {res['start']:.2f} | {res['moved']:.1f} | {res['p50']:.1f} /"
                    f" {res['p95']:.1f} / {res['max']:.0f} | {relay} | {res['kb']:.1f} |"
                    f" {res['tab_mb']:.0f} | {res['server_mb']:.0f} |"
                )
        finally:
            server.terminate()
            server.wait(timeout=15)


async def measure(url: str, n: int, keys: int, total: int, server_pid: int) -> dict:
    peak: dict[int, float] = {}

    async def sample() -> None:
        while True:
            for pid in descendants(server_pid):
                try:
                    peak[pid] = max(peak.get(pid, 0.0), rss_mb(pid))
                except OSError:
                    pass
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample())
    try:
        res = await run_tabs(url, n, keys, total)
    finally:
        sampler.cancel()
    apps = sorted(peak.values(), reverse=True)[:n] or [0.0]
    res["tab_mb"] = statistics.mean(apps)
    res["server_mb"] = rss_mb(server_pid)
    return res


if __name__ == "__main__":
    main()
