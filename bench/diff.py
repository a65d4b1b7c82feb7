"""Word-diff speed on long outputs, against difflib measured in the same run.

The review app diffs each pair as it is shown, so a long output must not stall a key
press. Absolute times depend on how busy the machine is; the ratio to difflib (the stdlib
word diff a first version would use, tokens with their trailing whitespace) is what to
compare across runs. The inputs are the ones tests/test_diff.py checks for correctness.

    python bench/diff.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from swapview.diff import diff_texts  # noqa: E402

_WORD = re.compile(r"\S+\s*|\s+")


def many_lines() -> tuple[str, str]:
    """2,000 lines, two of them changed (the line-first path)."""
    old = "\n".join(f"line {i} says something ordinary about item {i}" for i in range(2000))
    new = old.replace("item 1000", "item one thousand").replace("line 5 ", "row 5 ")
    return old, new


def absurd_line() -> tuple[str, str]:
    """One 200,000-character line (clipped to 10,000 before diffing)."""
    huge = "word " * 40_000
    return huge, huge + "tail"


def prose(words: int = 2000, changed: float = 0.05) -> tuple[str, str]:
    """One paragraph of ``words`` words with a share of them replaced (seeded)."""
    rng = random.Random(7)
    vocab = [f"w{n}" for n in range(500)]
    old_words = [rng.choice(vocab) for _ in range(words)]
    new_words = [w if rng.random() > changed else rng.choice(vocab) for w in old_words]
    return " ".join(old_words), " ".join(new_words)


CASES: list[tuple[str, Callable[[], tuple[str, str]]]] = [
    ("2,000 lines, 2 changed", many_lines),
    ("one 200,000-char line", absurd_line),
    ("2,000-word paragraph, 5% changed", prose),
]


def ours(old: str, new: str) -> None:
    diff_texts(old, new)


def difflib_words(old: str, new: str) -> None:
    difflib.SequenceMatcher(None, _WORD.findall(old), _WORD.findall(new)).get_opcodes()


def best_ms(fn: Callable[[str, str], None], old: str, new: str, repeat: int) -> float:
    """Median of ``repeat`` runs, in milliseconds (the median resists a busy neighbour)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(old, new)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print("| input | swapview ms | difflib ms | difflib / swapview |")
    print("|---|---:|---:|---:|")
    for name, make in CASES:
        old, new = make()
        mine = best_ms(ours, old, new, args.repeat)
        base = best_ms(difflib_words, old, new, args.repeat)
        print(f"| {name} | {mine:.1f} | {base:.1f} | {base / mine:.1f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
