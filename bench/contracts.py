"""Contracts: outputs checked per second, per kind of check, against plain json.loads.

    python bench/contracts.py [--pairs 100000] [--store-pairs 100000] [--python 2000]

Prose outputs are real answers from the shared 20k scale file, recombined to reach the
size asked for (pair i takes answers i and 7919 * i modulo the pool: real texts, synthetic
pairings). JSON outputs are the sample's support answers (made up by sample_data/), cycled.
The baseline, measured in the same run over the same outputs, is `json.loads` of each
output in a try: what the cheapest possible "does the parser still work" check costs.
Then the whole `contracts check` (SQLite read, checks, results and signals written in
chunks) on a database of --store-pairs pairs, and its re-run with nothing changed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from swapview.contracts.checks import Output, compile_contract  # noqa: E402
from swapview.contracts.model import Contract, parse_contracts  # noqa: E402
from swapview.contracts.run import check_comparison  # noqa: E402
from swapview.contracts.worker import PythonCheck  # noqa: E402
from swapview.store import (  # noqa: E402
    LoadReport,
    PairRecord,
    PairWriter,
    ensure_comparison,
    open_db,
    write_transaction,
)

ROOT = Path(__file__).resolve().parent.parent
# The shared real data sits beside the checkout; $SWAPVIEW_REALDATA points elsewhere.
REALDATA = Path(os.environ.get("SWAPVIEW_REALDATA") or ROOT.parent / "shared" / "realdata")
SCALE = REALDATA / "scale" / "alpaca_eval__many_models_vs_gpt4_1106_preview__20k.jsonl.gz"
SAMPLE = ROOT / "sample_data" / "support_assistant.jsonl"
SCHEMA = {
    "type": "object",
    "required": ["answer", "category", "escalate"],
    "additionalProperties": False,
    "properties": {
        "answer": {"type": "string"},
        "category": {
            "enum": [
                "account",
                "billing",
                "integrations",
                "invoices",
                "payments",
                "security",
                "technical",
            ]
        },
        "escalate": {"type": "boolean"},
    },
}
KINDS = {
    "json_schema": ("json", {"json_schema": SCHEMA}),
    "regex": ("prose", {"regex": r"\b(?:you|your)\b"}),
    "starts_with / ends_with": ("prose", {"starts_with": "Sure", "ends_with": "."}),
    "min_words / max_words": ("prose", {"min_words": 5, "max_words": 800}),
    "language": ("prose", {"language": "en"}),
    "markdown = none": ("prose", {"markdown": "none"}),
}
PARSER = textwrap.dedent(
    """
    import json
    def parse(text):
        json.loads(text)
    """
)


def prose_pool() -> list[str]:
    texts: list[str] = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts += [row["baseline_output"] or "", row["candidate_output"] or ""]
    return texts


def json_pool() -> list[str]:
    rows = [json.loads(line) for line in SAMPLE.open()]
    return [
        r[side]
        for r in rows
        if r["feature"] == "support_answer"
        for side in ("baseline_output", "candidate_output")
    ]


def recombine(pool: list[str], n: int) -> list[str]:
    return [pool[i % len(pool)] if i % 2 else pool[(7919 * i) % len(pool)] for i in range(n)]


def rate(outputs: list[str], fn) -> float:
    started = time.perf_counter()
    for text in outputs:
        fn(text)
    return len(outputs) / (time.perf_counter() - started)


def loads(text: str) -> None:
    try:
        json.loads(text)
    except ValueError:
        pass


def per_kind(n: int) -> list[tuple[str, str, float, float]]:
    corpora = {"prose": recombine(prose_pool(), n), "json": recombine(json_pool(), n)}
    rows = []
    for kind, (corpus, checks) in KINDS.items():
        compiled = compile_contract(Contract(name="bench", **checks))
        outputs = corpora[corpus]
        base = rate(outputs, loads)
        got = rate(outputs, lambda t, c=compiled: c.check(Output(t)))
        rows.append((kind, corpus, got, got / base))
    everything = [
        compile_contract(Contract(name=f"k{i}", **c)) for i, (_, c) in enumerate(KINDS.values())
    ]
    mixed = [
        t
        for pair in zip(corpora["prose"][: n // 2], corpora["json"][: n // 2], strict=True)
        for t in pair
    ]
    base = rate(mixed, loads)
    got = rate(mixed, lambda t: [c.check(o) for o in (Output(t),) for c in everything])
    rows.append(("all six, one parse per output", "mixed", got, got / base))
    return rows


def python_rate(n: int, folder: Path) -> float:
    (folder / "bench_parser.py").write_text(PARSER)
    outputs = recombine(json_pool(), n)
    with PythonCheck("bench_parser:parse", str(folder), 5.0, 512) as check:
        check.check("{}")  # the worker's start is not per output
        return rate(outputs, check.check)


def store_run(n: int, folder: Path) -> tuple[float, float, float]:
    db = open_db(folder / "bench.db")
    prose, js = prose_pool(), json_pool()
    records = (
        PairRecord(
            f"k{i}",
            "p",
            *(
                (js[(3 * i) % len(js)], js[(3 * i + 1) % len(js)])
                if i % 5 == 0
                else (prose[(2 * i) % len(prose)], prose[(7919 * i + 1) % len(prose)])
            ),
            {"feature": "support" if i % 5 == 0 else "chat"},
        )
        for i in range(n)
    )
    started = time.perf_counter()
    with write_transaction(db):
        PairWriter(db, ensure_comparison(db, "bench"), LoadReport()).write(records)
    load_s = time.perf_counter() - started
    toml = "\n".join(
        f'[[contracts]]\nname = "{name}"\n{body}\n'
        for name, body in [
            ("json", 'where = { feature = "support" }\njson_schema = ' + _inline(SCHEMA)),
            ("words", 'where = { feature = "chat" }\nmax_words = 800\nmin_words = 3'),
            ("lang", 'language = "en"'),
            ("md", 'where = { feature = "support" }\nmarkdown = "none"'),
        ]
    )
    cfile = parse_contracts(toml, "bench.toml", folder)
    started = time.perf_counter()
    check_comparison(db, "bench", cfile)
    first = time.perf_counter() - started
    started = time.perf_counter()
    check_comparison(db, "bench", cfile)
    return load_s, first, time.perf_counter() - started


def _inline(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return json.dumps(value)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=100_000)
    ap.add_argument("--store-pairs", type=int, default=100_000)
    ap.add_argument("--python", type=int, default=2_000)
    args = ap.parse_args()
    print(f"outputs per second per kind, {args.pairs:,} outputs each")
    print("| kind | outputs | outputs/s | x json.loads |")
    print("|---|---|---:|---:|")
    for kind, corpus, got, ratio in per_kind(args.pairs):
        print(f"| {kind} | {corpus} | {got:,.0f} | {ratio:.2f} |")
    with tempfile.TemporaryDirectory() as tmp:
        py = python_rate(args.python, Path(tmp))
        print(f"| python (worker process, {args.python:,} outputs) | json | {py:,.0f} | |")
        load_s, first, again = store_run(args.store_pairs, Path(tmp))
    n = args.store_pairs
    print(
        f"\ncontracts check on {n:,} pairs (4 contracts, both sides): load {load_s:.1f} s,"
        f" check {first:.1f} s ({n / first:,.0f} pairs/s), re-check unchanged {again:.1f} s"
    )


if __name__ == "__main__":
    main()
