"""What changed in a pair, as keys that alike changes share (pure functions, no store).

Three kinds, most specific first: the new refusal phrase ("i m sorry but i cannot"), a
signal with its detail ("json_keys_changed: removed total"), and a MinHash of the changed
word bigrams, so pairs that added or dropped the same passage land in one bucket.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable

import numpy as np

from ..scoring.refusal import OPENING_CHARS
from ..scoring.refusal import refusal_phrase as opening_refusal

# Signals whose detail says *what* changed; pairs sharing name+detail are alike.
DETAIL_SIGNALS = (
    "json_broke",
    "json_keys_changed",
    "json_types_changed",
    "language_changed",
    "empty_output",
    "truncated",
)
MINHASHES = 32
LSH_BANDS = 8  # 8 bands of 4 rows: pairs above ~0.6 Jaccard almost always meet
MIN_SHINGLES = 3  # fewer changed bigrams than this ("the" -> "a") is no signature
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
PHRASE_WORDS = 6  # of a refusal: enough to tell "as an ai assistant" from "i cannot"
LABEL_WORDS = 10

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?\n]")
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20240531)  # fixed: signatures must agree across runs
_A = _rng.integers(1, _PRIME, MINHASHES, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, MINHASHES, dtype=np.uint64)


def refusal_phrase(baseline: str, candidate: str) -> str | None:
    """The candidate's new refusal, its first words from where it starts; None if it has
    none or the baseline refused too. Refusals are what the scorer's ``refusal_appeared``
    calls one (its written rule), so a cluster never rests on "I can't stop ..." in prose."""
    found = opening_refusal(candidate)
    if found is None or opening_refusal(baseline):
        return None
    opening = " ".join(candidate[:OPENING_CHARS].lower().translate(_QUOTES).split())
    start = opening.find(found)
    end = _SENTENCE_END.search(opening, start + len(found))
    sentence = opening[start : end.start() if end else len(opening)]
    return " ".join(_WORD.findall(sentence)[:PHRASE_WORDS]) or None


def signal_keys(signals: Iterable[tuple[str, str | None]]) -> list[str]:
    return [
        f"{name}: {detail}" if detail else name
        for name, detail in signals
        if name in DETAIL_SIGNALS
    ]


def changed_shingles(baseline: str, candidate: str) -> set[str]:
    """Word bigrams added by the candidate ("+a b") or dropped from the baseline ("-a b")."""
    old, new = _bigrams(baseline), _bigrams(candidate)
    return {f"+{b}" for b in new - old} | {f"-{b}" for b in old - new}


def _bigrams(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}


def common_run(text: str, common: set[str], sign: str) -> str:
    """The longest run of words in ``text`` whose bigrams are all in ``common``."""
    words = _WORD.findall(text.lower())
    best, start = (0, 0), 0
    for i in range(len(words) - 1):
        if f"{sign}{words[i]} {words[i + 1]}" not in common:
            start = i + 1
        elif i + 2 - start > best[1] - best[0]:
            best = (start, i + 2)
    return " ".join(words[best[0] : best[1]][:LABEL_WORDS])


def minhash(shingles: set[str]) -> np.ndarray | None:
    """MINHASHES values (uint64), or None when too little changed to say what."""
    if len(shingles) < MIN_SHINGLES:
        return None
    x = np.fromiter((zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64)
    # (a x + b) mod p on 64-bit wraps; fine for hashing, the values only need to be stable.
    return ((np.outer(_A, x) + _B[:, None]) % np.uint64(_PRIME)).min(axis=1)


def lsh_keys(signature: np.ndarray) -> list[bytes]:
    rows = MINHASHES // LSH_BANDS
    return [
        bytes([band]) + signature[band * rows : (band + 1) * rows].tobytes()
        for band in range(LSH_BANDS)
    ]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two MinHash signatures."""
    return float(np.mean(a == b))
