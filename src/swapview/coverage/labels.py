"""A label a person can read for each cluster of prompts, with no model call.

Its most typical prompts (the distinct texts nearest the centroid) and its distinctive
words: frequent among the cluster's prompts and rarer elsewhere (document frequency in
the cluster against the whole traffic's, from a sample of each cluster).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

WORD = re.compile(r"[^\W\d_][^\W_]{2,}")  # three or more letters (digits inside allowed)
SAMPLE = 200  # distinct prompts per cluster read for its words
WORDS = 4
EXAMPLES = 3
MIN_SHARE = 0.08  # a word in fewer of the cluster's prompts says little about it
EXAMPLE_CHARS = 90
STOPWORDS = frozenset(
    """the and for are but not you your with this that from have has had was were will would
    can could should what which who whom when where why how all any each few more most other
    some such than too very just also into over under about after before between both only
    own same out off then there here they them their theirs she her hers his him its our ours
    yours itself what does did doing done been being a an of to in on at by as is it be or if
    do so no me my we us i give make write please tell explain list describe provide
    something know want need like one two use using get way""".split()
)


@dataclass(frozen=True)
class Label:
    words: list[str]
    examples: list[str]

    def text(self) -> str:
        """'recipe, bake, flour: "How do I bake bread?"'"""
        words = ", ".join(self.words) or "(no distinctive words)"
        example = f': "{self.examples[0]}"' if self.examples else ""
        return words + example


def tokens(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOPWORDS}


def distinctive_words(
    samples: list[list[str]], shares: np.ndarray, top: int = WORDS
) -> list[list[str]]:
    """Per cluster, the words most over-represented in its sample of prompts."""
    freq = [_doc_freq(texts) for texts in samples]
    overall: dict[str, float] = {}
    for f, share in zip(freq, shares, strict=True):
        for word, p in f.items():
            overall[word] = overall.get(word, 0.0) + p * float(share)
    out = []
    for f in freq:
        scored = [
            (p * math.log(p / max(overall.get(w, 0.0), 1e-9)), w)
            for w, p in f.items()
            if p >= MIN_SHARE
        ]
        out.append([w for _, w in sorted(scored, key=lambda s: (-s[0], s[1]))[:top]])
    return out


def _doc_freq(texts: list[str]) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(tokens(text))
    n = max(len(texts), 1)
    return {w: c / n for w, c in counts.items()}


def example(text: str) -> str:
    """A prompt shortened to one line for a label."""
    line = " ".join(text.split())
    return line if len(line) <= EXAMPLE_CHARS else line[: EXAMPLE_CHARS - 1].rstrip() + "…"
