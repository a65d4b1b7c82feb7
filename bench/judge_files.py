"""Build judge benchmark files from a realdata AlpacaEval pairs file with two annotators.

    PYTHONPATH=src python bench/judge_files.py [SOURCE] [--out DIR]

The reviewer is the row's own ``preference`` (the first annotator); the judge is another
annotator from ``labels``, written to the field ``judge``. A second file carries a judge
that barely agrees: the other annotator's label kept on a seeded 25% of rows, a uniformly
random label elsewhere. Rows without a second annotator get no judge (judged pairs only
where the data has them). Files go to --out (default bench/.cache/judge/), never the repo.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (
    ROOT.parent
    / "shared"
    / "realdata"
    / "pairs"
    / "alpaca_eval__gpt-3.5-turbo-1106__gpt4_1106_preview.jsonl.gz"
)
LABELS = ("baseline", "candidate", "tie")


def second_label(row: dict) -> str | None:
    """The preference of an annotator other than the one the row's preference came from."""
    source = str(row.get("preference_source") or "")
    for label in row.get("labels") or []:
        name = str(label.get("annotator") or "")
        if name and not source.startswith(name) and label.get("preference") in LABELS:
            return label["preference"]
    return None


def build(source: Path, out: Path, keep: float = 0.25, seed: int = 0) -> list[Path]:
    rng = random.Random(seed)
    good, noisy = [], []
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            label = second_label(row)
            good.append({**row, "judge": label})
            barely = label if label is None or rng.random() < keep else rng.choice(LABELS)
            noisy.append({**row, "judge": barely})
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in (("judge_agrees", good), ("judge_barely", noisy)):
        path = out / f"{source.name.split('.jsonl')[0]}__{name}.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / ".cache" / "judge")
    args = parser.parse_args()
    for path in build(args.source, args.out):
        print(path)


if __name__ == "__main__":
    main()
