"""Review app latency at 1,000,000 pairs, measured at the terminal's edge.

Runs the real `swapview review` in a pseudo-terminal (120x40), sends keys as a user's
terminal would, and reads a frame log the app writes when $SWAPVIEW_FRAME_LOG is set
(time of each write to the terminal and the pair it shows). Latency is key sent ->
first frame showing the next pair; Pilot is not involved (its press+pause has a floor of
about 130 ms of its own).

Data: bench/bigdb.py recombines the real texts of the shared 20k scale file into
1,000,000 pairs (real texts, synthetic pairings and scores), plus 20 pairs of 2,000-line
outputs with keys long-00..long-19.

    python bench/tui_latency.py [--db /tmp/sv-review-bench/1m.db] [--pairs 1000000] [--keys 200]
        [--no-refine]   # the app refines with MiniLM meanwhile unless told not to
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


class Run:
    """One app process in a pty, with its frame log."""

    refine = True  # main() sets it from --no-refine: the app's MiniLM refiner runs or not

    def __init__(self, db: Path, order: str, log: Path) -> None:
        self.log = log
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = {
            **os.environ,
            "SWAPVIEW_FRAME_LOG": str(log),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "PYTHONPATH": str(ROOT / "src"),
        }
        env.pop("NO_COLOR", None)
        self.started = time.time()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "swapview",
                "--db",
                str(db),
                "review",
                "--reviewer",
                "bench",
                "--no-resume",
                "--order",
                order,
                *([] if self.refine else ["--no-refine"]),
            ],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.output = 0
        self._stop = False
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        # The app blocks if nobody reads its terminal: keep reading until it exits.
        while not self._stop:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.output += len(os.read(self.master, 65536))
                except OSError:
                    return

    def frames(self) -> list[tuple[float, int, int]]:
        if not self.log.exists():
            return []
        out = []
        for line in self.log.read_text().splitlines():
            t, pid, rows, _n = line.split()
            out.append((float(t), int(pid), int(rows)))
        return out

    def wait_frame(self, after: float, pred, timeout: float = 20) -> tuple[float, int]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for t, pid, rows in self.frames():
                if t >= after and pred(pid, rows):
                    return t, pid
            time.sleep(0.005)
        raise TimeoutError("no frame showed the change")

    def shown_pid(self) -> int:
        frames = self.frames()
        return frames[-1][1] if frames else -1

    def key(self, data: bytes) -> float:
        t = time.time()
        os.write(self.master, data)
        return t

    def memory_mb(self) -> tuple[float, float]:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        vals = {
            k: v.split()[0]
            for k, _, v in (ln.partition(":") for ln in status.splitlines())
            if v.split()
        }
        return int(vals["VmRSS"]) / 1024, int(vals["VmHWM"]) / 1024

    def quit(self) -> None:
        self.key(b"q")
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._stop = True
        os.close(self.master)


def press_j(run: Run, n: int, gap: float) -> list[float]:
    """Send j n times; latency of each = first frame after it showing another pair."""
    lat = []
    for _ in range(n):
        before = run.shown_pid()
        sent = run.key(b"j")
        t, _pid = run.wait_frame(sent, lambda pid, rows, b=before: pid not in (b, -1) and rows)
        lat.append((t - sent) * 1000)
        time.sleep(gap)
    return lat


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=Path("/tmp/sv-review-bench/1m.db"))
    ap.add_argument("--pairs", type=int, default=1_000_000)
    ap.add_argument("--keys", type=int, default=200)
    ap.add_argument("--gap", type=float, default=0.12)
    ap.add_argument("--long-gap", type=float, default=0.3)
    ap.add_argument("--starts", type=int, default=5)
    ap.add_argument(
        "--no-refine",
        action="store_true",
        help="without the app's background refinement (on by default, as for a user)",
    )
    args = ap.parse_args()
    Run.refine = not args.no_refine
    print(f"refinement {'off' if args.no_refine else 'on'}, {os.getloadavg()}", file=sys.stderr)
    if not args.db.exists():
        import bigdb

        args.db.parent.mkdir(parents=True, exist_ok=True)
        bigdb.build(args.db, args.pairs)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # One start to warm the OS file cache, as for a reviewer's second start.
        warm = Run(args.db, "lexical", Path(tmp) / "warm.log")
        warm.wait_frame(0, lambda pid, rows: pid != -1 and rows > 0, timeout=60)
        warm.quit()
        starts = []
        for i in range(args.starts):
            run = Run(args.db, "lexical", Path(tmp) / f"start{i}.log")
            first, _ = run.wait_frame(0, lambda pid, rows: pid != -1 and rows > 0)
            starts.append((first - run.started) * 1000)
            run.quit()
        rows.append(
            (
                "first screen after process start, median",
                statistics.median(starts),
                f"min {min(starts):.0f}, max {max(starts):.0f}, n={len(starts)}",
            )
        )
        typical = Run(args.db, "lexical", Path(tmp) / "typical.log")
        typical.wait_frame(0, lambda pid, rows: pid != -1 and rows > 0)
        time.sleep(0.5)
        lat = press_j(typical, args.keys, args.gap)
        rss, hwm = typical.memory_mb()
        typical.quit()
        rows.append(("j -> frame, typical pairs, p50", pct(lat, 50), f"n={len(lat)}"))
        rows.append(("j -> frame, typical pairs, p95", pct(lat, 95), ""))
        rows.append(("j -> frame, typical pairs, max", max(lat), ""))
        rows.append(("memory after the run (RSS / peak), MB", rss, f"peak {hwm:.0f}"))
        long = Run(args.db, "key", Path(tmp) / "long.log")
        long.wait_frame(0, lambda pid, rows: pid != -1 and rows > 0)
        time.sleep(0.5)
        lat_long = press_j(long, 19, args.long_gap)  # keys long-00..long-19 come first in key order
        rss_l, hwm_l = long.memory_mb()
        long.quit()
        rows.append(("j -> frame, 2,000-line pairs, p50", pct(lat_long, 50), f"n={len(lat_long)}"))
        rows.append(("j -> frame, 2,000-line pairs, p95", pct(lat_long, 95), ""))
        rows.append(("memory, 2,000-line run (RSS / peak), MB", rss_l, f"peak {hwm_l:.0f}"))
    print(f"{'measure':45s} {'value':>9s}")
    for name, value, extra in rows:
        unit = "" if "MB" in name else " ms"
        print(f"{name:45s} {value:9.1f}{unit} {extra}")
    print(
        f"(mean typical {statistics.mean(lat):.1f} ms; all typical: "
        f"{' '.join(f'{x:.0f}' for x in lat)})"
    )


if __name__ == "__main__":
    main()
