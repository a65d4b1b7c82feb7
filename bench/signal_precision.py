"""Quirk signal precision on real migrations, against labels written by reading the pairs.

Reads every ../shared/realdata/pairs/*.jsonl.gz and the scale file (many older models against
gpt-4-1106-preview) in place (never copied), runs swapview's own ``compute_signals`` on each
pair, and:

    PYTHONPATH=src python bench/signal_precision.py sample SIGNAL [--n 60] [--seed 14]
        prints a seeded sample of the pairs that SIGNAL fires on, for reading and labelling
        (old rules: the code at --before-rev; --new samples the current rules instead;
        --both the pairs either fires on; --scale only the scale file; --unlabelled skips
        labelled pairs; one pair per distinct text the signal reads);
    PYTHONPATH=src python bench/signal_precision.py table
        prints, per signal, how many pairs it fires on and its precision against
        tests/data/signal_labels.jsonl, for the rules at --before-rev and the current
        rules in the same run, on the labels read while writing the rules and on the
        newest round's held-out set (--round).

Labels hold only file name, pair id, signal, label (true: the signal is right), a few words
why, the set and the round: "dev" labels were read while the rules were written (round 0:
every firing in pairs/), "held-out" labels were written after the rules were frozen, on
scale-file pairs none read before, so they check the rules are not fitted to the pairs
read. A round's held-out labels are read when a later round revises the rules: from then
on they count as read, and that round labels a fresh held-out set (--round). The old rules
run from a `git archive` of --before-rev in a child process.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("SWAPVIEW_REALDATA", ROOT.parent / "shared" / "realdata"))
PAIRS = REALDATA / "pairs"
SCALE = REALDATA / "scale" / "alpaca_eval__many_models_vs_gpt4_1106_preview__20k.jsonl.gz"
LABELS = ROOT / "tests" / "data" / "signal_labels.jsonl"
BEFORE_REV = "11f8517"  # main before the signal precision work (#14)
HELD_OUT_ROUND = 4  # the newest round; every older round's labels have been read


def pairs():
    """(file, id, row) for every pair; the scale file also mirrored (sides swapped), so its
    many older models' answers are read as the new side too."""
    for path in [*sorted(PAIRS.glob("*.jsonl.gz")), SCALE]:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                yield path.name, str(row["id"]), row
                if path == SCALE:
                    swapped = {
                        **row,
                        "baseline_output": row.get("candidate_output"),
                        "candidate_output": row.get("baseline_output"),
                    }
                    yield f"{path.name}:mirrored", str(row["id"]), swapped


def fired_here() -> dict[tuple[str, str], list[str]]:
    """(file, id) -> signal names, with the swapview on sys.path."""
    from swapview.scoring.signals import compute_signals

    out = {}
    for name, pid, row in pairs():
        sigs = compute_signals(row.get("baseline_output"), row.get("candidate_output"))
        out[(name, pid)] = [s.name for s in sigs]
    return out


def fired_at(rev: str) -> dict[tuple[str, str], list[str]]:
    """The same, for the code at a git revision (archived to a temporary folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        env = {**os.environ, "PYTHONPATH": str(Path(tmp) / "src")}
        code = (
            f"import json,sys; sys.path.insert(0, {str(Path(__file__).parent)!r});"
            "import signal_precision as sp;"
            "print(json.dumps([[k[0], k[1], v] for k, v in sp.fired_here().items()]))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        )
    return {(a, b): v for a, b, v in json.loads(done.stdout)}


def load_labels(held_round: int = HELD_OUT_ROUND) -> dict[tuple[str, str, str], tuple[bool, bool]]:
    """(file, id, signal) -> (label, whether it is in the newest round's held-out set)."""
    labels = {}
    if LABELS.exists():
        for line in LABELS.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                held = r["set"] == "held-out" and r["round"] == held_round
                labels[(r["file"], str(r["id"]), r["signal"])] = (bool(r["label"]), held)
    return labels


# The text a signal reads, to sample one pair per distinct text (the scale file repeats the
# candidate's answer once per older model).
CANDIDATE_SIGNALS = {"refusal_appeared", "refusal_partial", "truncated", "empty_output"}


def text_key(signal: str, row: dict) -> str:
    if signal in CANDIDATE_SIGNALS:
        return row.get("candidate_output") or ""
    if signal == "refusal_gone":
        return row.get("baseline_output") or ""
    return f"{row.get('baseline_output')}\0{row.get('candidate_output')}"


def clip(text: str | None, n: int) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n // 2] + "\n  [...]\n" + text[-n // 2 :]


def cmd_sample(args) -> None:
    if args.both:
        before, after = fired_at(args.before_rev), fired_here()
        fired = {k: before.get(k, []) + after.get(k, []) for k in before.keys() | after.keys()}
    else:
        fired = fired_here() if args.new else fired_at(args.before_rev)
    labels = load_labels()
    rows = {(n, p): r for n, p, r in pairs()}
    hits, seen = [], set()
    for key in sorted(k for k, v in fired.items() if args.signal in v):
        text = text_key(args.signal, rows[key])
        if args.scale and not key[0].startswith(SCALE.name) or text in seen:
            continue
        seen.add(text)
        if not (args.unlabelled and (*key, args.signal) in labels):
            hits.append(key)
    random.Random(args.seed).shuffle(hits)
    print(f"# {args.signal}: {len(hits)} distinct texts; showing {min(args.n, len(hits))}")
    from swapview.scoring.signals import compute_signals

    for key in hits[: args.n]:
        row = rows[key]
        new = compute_signals(row.get("baseline_output"), row.get("candidate_output"))
        print("=" * 100)
        print(f"{key[0]} {key[1]}  now: {[(s.name, s.detail) for s in new]}")
        print("PROMPT:", clip(row.get("prompt"), 300))
        print("--- OLD:", clip(row.get("baseline_output"), args.chars))
        print("--- NEW:", clip(row.get("candidate_output"), args.chars))


def precision(keys, labels, signal, *, held_out: bool) -> tuple[int, int]:
    """Right and judged firings among keys, on the newest held-out set or on the rest."""
    judged = [labels[(n, p, signal)] for n, p in keys if (n, p, signal) in labels]
    judged = [label for label, held in judged if held == held_out]
    return sum(judged), len(judged)


def fmt(right: int, judged: int) -> str:
    return f"{right / judged:.2f} ({right}/{judged})" if judged else "-"


def cmd_table(args) -> None:
    labels = load_labels(args.round)
    before, after = fired_at(args.before_rev), fired_here()
    signals = sorted({s for _, _, s in labels})
    print(
        "| signal | fires before | fires after | read before | read after"
        f" | held-out (round {args.round}) before | held-out after |"
    )
    print("|---|---:|---:|---|---|---|---|")
    for sig in signals:
        b, a = ([k for k, v in fired.items() if sig in v] for fired in (before, after))
        cells = [
            fmt(*precision(keys, labels, sig, held_out=held))
            for held in (False, True)
            for keys in (b, a)
        ]
        print(f"| `{sig}` | {len(b)} | {len(a)} | " + " | ".join(cells) + " |")
    counts = Counter(s for _, _, s in labels)
    unlabelled = defaultdict(int)
    for k, v in after.items():
        for sig in v:
            if sig in counts and (*k, sig) not in labels:
                unlabelled[sig] += 1
    print("\nlabels per signal:", dict(sorted(counts.items())))
    print(
        "after-rule firings with no label (mostly repeats of a labelled text):",
        dict(sorted(unlabelled.items())),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before-rev", default=BEFORE_REV)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("signal")
    s.add_argument("--n", type=int, default=60)
    s.add_argument("--seed", type=int, default=14)
    s.add_argument("--chars", type=int, default=700)
    s.add_argument("--new", action="store_true")
    s.add_argument("--both", action="store_true")
    s.add_argument("--scale", action="store_true")
    s.add_argument("--unlabelled", action="store_true")
    t = sub.add_parser("table")
    t.add_argument("--round", type=int, default=HELD_OUT_ROUND)
    args = ap.parse_args()
    {"sample": cmd_sample, "table": cmd_table}[args.cmd](args)


if __name__ == "__main__":
    main()
