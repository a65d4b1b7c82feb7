"""A small offline language guess: the writing script, then stopwords for Latin text.

Enough to notice "the new model answers in English where the old one answered in
Spanish" or "switched to Chinese"; not a general language identifier. Code and other
fenced blocks are ignored, since keywords would read as English.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

MIN_LETTERS = 20  # below this, no guess: "OK" has no language
MIN_STOPWORDS = 3

STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and of to is in that it for you with are this be on as not have was can"
              " or will your by an if they at from but which there what would should",
        "es": "el la los las de que y en un una es por con para como del al se no lo pero"
              " más su sus este esta son también puede",
        "fr": "le la les de des du et est un une que qui en pour dans pas sur avec au aux"
              " ce cette sont vous nous il elle ne peut",
        "de": "der die das und ist nicht ein eine zu den mit sich des auf für im dem von"
              " auch es sie ich wird werden oder kann",
        "pt": "o a os as de que e do da em um uma para com não por mais dos das se na no"
              " ao é você também pode",
        "it": "il lo la gli le di che e un una è per non con del della in sono si anche"
              " più ma come questo può",
        "nl": "de het een en van is dat op te in niet met voor zijn je er maar ook als"
              " bij wordt kan",
    }.items()
}

# Scripts told apart by Unicode character names; Han alone is Chinese, with kana Japanese.
SCRIPT_PREFIXES = (
    ("LATIN", "latin"), ("CYRILLIC", "cyrillic"), ("GREEK", "greek"), ("ARABIC", "arabic"),
    ("HEBREW", "hebrew"), ("CJK", "han"), ("HIRAGANA", "kana"), ("KATAKANA", "kana"),
    ("HANGUL", "hangul"), ("DEVANAGARI", "devanagari"), ("THAI", "thai"),
)
SCRIPT_LANGUAGE = {"cyrillic": "ru", "greek": "el", "arabic": "ar", "hebrew": "he",
                   "han": "zh", "kana": "ja", "hangul": "ko", "devanagari": "hi", "thai": "th"}

_FENCED = re.compile(r"```.*?(```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def prose(text: str) -> str:
    """The text without fenced or inline code."""
    return _INLINE_CODE.sub(" ", _FENCED.sub(" ", text))


def script_counts(text: str, limit: int = 2000) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ch in text[:limit * 2]:
        if ch.isalpha():
            counts[_script(ch)] += 1
    return counts


def _script(ch: str) -> str:
    if ch.isascii():
        return "latin"
    name = unicodedata.name(ch, "")
    for prefix, script in SCRIPT_PREFIXES:
        if name.startswith(prefix):
            return script
    return "other"


def detect_language(text: str | None) -> str | None:
    """An ISO 639-1 code, "latin" (Latin script, language unclear), or None (too little)."""
    body = prose(text or "")
    counts = script_counts(body)
    total = sum(counts.values())
    if total < MIN_LETTERS:
        return None
    script, n = counts.most_common(1)[0]
    if script == "kana" or (script == "han" and counts["kana"] >= 0.1 * total):
        return "ja"
    if script != "latin":
        return SCRIPT_LANGUAGE.get(script, script) if n >= 0.5 * total else None
    return _latin_language(body)


def _latin_language(body: str) -> str:
    words = [w.lower() for w in _WORD.findall(body[:4000])]
    hits = Counter({lang: sum(w in stop for w in words) for lang, stop in STOPWORDS.items()})
    ranked = hits.most_common(2)
    best, best_n = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    # a clear winner only: Romance languages share many short words
    if best_n >= MIN_STOPWORDS and best_n >= 1.5 * runner_up:
        return best
    return "latin"
