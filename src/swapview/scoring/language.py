"""A small offline language guess: the writing script, then stopwords for Latin text.

Enough to notice "the new model answers in English where the old one answered in
Spanish" or "switched to Chinese"; not a general language identifier. Code is ignored,
fenced or not (SQL and program lines, JSON lines, indented blocks), and so are identifiers,
addresses and URLs: keywords read as English and ".com" as Portuguese.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

MIN_LETTERS = 20  # below this, no guess: "OK" has no language
MIN_STOPWORDS = 3.0  # weighted: a word shared by k languages counts 1/k for each
MIN_PROSE_WORDS = 12  # "has none of the old language's stopwords" needs real prose:
MIN_SENTENCES = 2  # word lists and one-line labels have no stopwords in any language
MIN_LINE_WORDS = 6

STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and of to is in that it for you with are this be on as not have was can"
        " or will your by an if they at from but which there what would should a i we"
        " my me do has had were been their them these those its",
        "es": "el la los las de que y en un una es por con para como del al se no lo pero"
        " más su sus este esta son también puede muy está hay usted puedes cuando sin"
        " sobre podemos debe",
        "fr": "le la les de des du et est un une que qui en pour dans pas sur avec au aux"
        " ce cette sont vous nous il elle ne peut",
        "de": "der die das und ist nicht ein eine zu den mit sich des auf für im dem von"
        " auch es sie ich wird werden oder kann wir bitte ihr ihre sind",
        "pt": "o a os as de que e do da em um uma para com não por mais dos das se na no"
        " ao é você também pode muito pelo pela isso",
        "it": "il lo la gli le di che e un una è per non con del della in sono si anche"
        " più ma come questo può",
        "nl": "de het een en van is dat op te in niet met voor zijn je er maar ook als"
        " bij wordt kan",
    }.items()
}

# Character ranges per script; Han alone reads as Chinese, with kana as Japanese.
SCRIPTS = {
    "latin": "A-Za-z\u00c0-\u024f\u1e00-\u1eff",
    "cyrillic": "\u0400-\u04ff",
    "greek": "\u0370-\u03ff",
    "arabic": "\u0600-\u06ff",
    "hebrew": "\u0590-\u05ff",
    "han": "\u3400-\u4dbf\u4e00-\u9fff",
    "kana": "\u3040-\u30ff",
    "hangul": "\u1100-\u11ff\uac00-\ud7af",
    "devanagari": "\u0900-\u097f",
    "thai": "\u0e00-\u0e7f",
}
SCRIPT_LANGUAGE = {
    "cyrillic": "ru",
    "greek": "el",
    "arabic": "ar",
    "hebrew": "he",
    "han": "zh",
    "kana": "ja",
    "hangul": "ko",
    "devanagari": "hi",
    "thai": "th",
}
_SCRIPT_RE = {name: re.compile(f"[{chars}]+") for name, chars in SCRIPTS.items()}
_NOT_ASCII_LETTER = re.compile("[^A-Za-z]+")
_ASCII = re.compile("[\x00-\x7f]+")
CJK_WEIGHT = 3
SAMPLE_CHARS = 3000  # the opening is enough to tell a language, and keeps this fast
SAMPLE_WORDS = 200
WORD_SAMPLE_CHARS = 1500
_WORD_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _words in STOPWORDS.items():
    for _w in _words:
        _WORD_LANGS[_w] = (*_WORD_LANGS.get(_w, ()), _lang)
_SENTENCE_END = re.compile(r"(?<=[^\W\d_])[.!?](\s|$)")  # after a letter: not "1."

_FENCED = re.compile(r"```.*?(```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ASCII_WORD = re.compile(r"[a-z]+")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")

# Lines that are code even outside a fence. Keywords are matched case-sensitively: prose
# starts "Select the rows", SQL "SELECT name"; a "SQL:" style label may come first.
_CODE_START = re.compile(
    r"(?:[A-Za-z]+:\s*)?(?:(?:SELECT|FROM|WHERE|JOIN|INNER|LEFT|RIGHT|OUTER|FULL|CROSS|GROUP"
    r"|ORDER|HAVING|LIMIT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|UNION|VALUES|WITH|AND|OR"
    r"|ON|SET|CASE|WHEN|END)\b|(?:def|class|import|return|const|let|var|function|public"
    r"|private|elif|except|async|await|fn|func|package|using|#include|#!)\b|\"[^\"\n]*\"\s*:)"
)
_INDENTED = re.compile(r"(?: {4}|\t)")
# "Location: Main Street": a field and its value, no sentence.
FIELD_LINE = re.compile(r"^[^\W\d][\w ]{0,30}:\s")
_LIST_ITEM = re.compile(r"(?:[-*+>]|\d+[.)])\s")
_DROP_SYMBOLS = str.maketrans("", "", ";{}()[]=<>")
CODE_SYMBOL_SHARE = 0.08
ART_MIN_CHARS = 4
ART_LETTER_SHARE = 0.5  # prose has a parenthesis now and then, code one every few chars
# Identifiers and addresses: a_b, a.b, a@b, a/b, scheme:// (ASCII runs only, so Chinese
# text written against an identifier keeps its characters).
_IDENTIFIER = re.compile(
    r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]*(?:[A-Za-z0-9][./@\\][A-Za-z0-9]|_|://)"
    r"[A-Za-z0-9_\-./@:\\%?=&#+~]*"
)
_MAYBE_IDENTIFIER = re.compile(r"[A-Za-z0-9][./@\\][A-Za-z0-9]|_|://")
MIN_VALUE_WORDS = 4  # a JSON string value shorter than this is a name or a label, not prose
MIN_VALUE_DENSE = 6  # ...or, in a script without spaces, fewer characters than this
_DENSE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def prose(text: str) -> str:
    """The text without code: fenced, inline, or lines that look like code."""
    if "`" in text:
        text = _INLINE_CODE.sub(" ", _FENCED.sub(" ", text))
    return "\n".join(line for line in text.splitlines() if not is_code_line(line))


def is_code_line(line: str) -> bool:
    """A line of code written without a fence: SQL, a program statement, a JSON member."""
    stripped = line.strip()
    if not stripped:
        return False
    if _INDENTED.match(line) and not _LIST_ITEM.match(stripped):
        return True  # a Markdown indented code block
    if _CODE_START.match(stripped) or stripped[-1] in ";{" or stripped[0] in "}])":
        return True
    symbols = len(stripped) - len(stripped.translate(_DROP_SYMBOLS))
    if symbols >= 2 and symbols >= CODE_SYMBOL_SHARE * len(stripped):
        return True
    return is_art_line(stripped)


def is_art_line(stripped: str) -> bool:
    """ASCII art, a rule or a diagram line: mostly symbols. Its stray letters ("o", "a",
    "e" in a drawing) read as Portuguese stopwords."""
    chars = stripped.replace(" ", "")
    letters = sum(c.isalpha() for c in chars)
    return len(chars) >= ART_MIN_CHARS and letters < ART_LETTER_SHARE * len(chars)


def prose_values(values: list[str]) -> list[str]:
    """The JSON string values that are prose: names, emails and labels have no language."""
    return [
        v
        for v in values
        if len(v.split()) >= MIN_VALUE_WORDS or len(_DENSE.findall(v)) >= MIN_VALUE_DENSE
    ]


def script_counts(text: str) -> Counter[str]:
    """Letters per script in the text (pass a sample: this scans it once per script)."""
    # Counting by deletion (len before - after) avoids building a list per match.
    ascii_letters = len(_NOT_ASCII_LETTER.sub("", text))
    if text.isascii():
        return Counter({"latin": ascii_letters})
    # Only the non-ASCII characters go through the per-script scans: in mostly-English
    # text (curly quotes, a dash) that is a handful, not the whole sample once per script.
    rest = _ASCII.sub("", text)
    size = len(rest)
    counts = Counter({name: size - len(rx.sub("", rest)) for name, rx in _SCRIPT_RE.items()})
    counts["latin"] += ascii_letters
    return +counts  # drop zeros


def detect_language(text: str | None) -> str | None:
    """An ISO 639-1 code, "latin" (Latin script, language unclear), or None (too little)."""
    body = (text or "")[: SAMPLE_CHARS * 2]
    body = prose(body)[:SAMPLE_CHARS]
    counts = script_counts(body)
    for dense in ("han", "kana", "hangul"):  # one such character carries about a word
        if dense in counts:
            counts[dense] *= CJK_WEIGHT
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
    hits, _ = stopword_hits(body)
    if not hits:
        return "latin"
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)[:2]
    best, best_n = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    # a clear winner only: Romance languages share many short words
    if best_n >= MIN_STOPWORDS and best_n >= 1.5 * runner_up:
        return best
    return "latin"


def stopword_hits(text: str) -> tuple[dict[str, float], int]:
    """Weighted stopword hits per language, and the number of words looked at."""
    # ".com" is no Portuguese: identifiers and addresses go, on the sample only (speed)
    sample = text[:WORD_SAMPLE_CHARS]
    if _MAYBE_IDENTIFIER.search(sample):  # one quick scan spares most prose the slow one
        sample = _IDENTIFIER.sub(" ", sample)
    # Acronyms are no prose ("EST" is not French), and one-letter words are too weak:
    # "a", "e" and "o" fill ASCII art and ABC music notation.
    sample = _ACRONYM.sub(" ", sample).lower()
    words = (_ASCII_WORD if sample.isascii() else _WORD).findall(sample)[:SAMPLE_WORDS]
    words = [w for w in words if len(w) > 1]
    seen = Counter(words)
    hits: dict[str, float] = defaultdict(float)
    for word in seen.keys() & _WORD_LANGS.keys():
        langs = _WORD_LANGS[word]
        for lang in langs:
            hits[lang] += seen[word] / len(langs)
    return dict(hits), len(words)


def lacks_language(text: str | None, lang: str) -> bool:
    """Prose of some length with not one stopword of ``lang``: written in something else."""
    # Prose lines only: list items, fields and labels ("Game: Ravens vs. Jets") have no
    # stopwords in any language.
    body = "\n".join(
        line
        for line in prose(text or "").splitlines()
        if len(line.split()) >= MIN_LINE_WORDS
        and not (_LIST_ITEM.match(line.strip()) or FIELD_LINE.match(line.strip()))
    )
    hits, n_words = stopword_hits(body)
    if n_words < MIN_PROSE_WORDS or hits.get(lang):
        return False
    return len(_SENTENCE_END.findall(body)) >= MIN_SENTENCES


# The dominant language of a text's prose (#14, round 4). A pair changes language when each
# side has enough prose to judge and most of it is in one language, a different one on
# each side: tables, name lists, schedules, notation and code have no language, and an
# answer that mixes two (a translation with English notes) is no evidence of a change.
DOMINANT_SHARE = 0.6  # of the prose letters (CJK weighted), or the text is mixed
MIN_PROSE_LETTERS = 60  # about a dozen words of prose; fewer is too little to judge
PROSE_LINE_WORDS = 5  # a line of fewer words is a label, a name or a heading
LOWER_SHARE = 0.4  # sentences are largely lower-case words (German nouns are not); names
# and titles ("The Art of War", "Penny Chenery") are not
WINDOW_CHARS = 1500  # read the opening, the middle and the end: drift shows late
MAX_READ_CHARS = 100_000
_MARKUP = re.compile(r"^\s*(?:[-*+>#]+|\d{1,3}[.)]|[A-Za-z][.)])\s+|[*_#>`]+")
_SCRIPT_NAMES = {"han": "zh", "kana": "ja"}


def dominant_language(text: str | None) -> str | None:
    """The language of most of the text's prose: an ISO 639-1 code, "latin" (Latin script,
    no known language's stopwords), or None (too little prose, or no language has most)."""
    shares = language_shares(text)
    total = sum(shares.values())
    if total < MIN_PROSE_LETTERS:
        return None
    lang, n = shares.most_common(1)[0]
    return lang if n >= DOMINANT_SHARE * total else None


def language_shares(text: str | None) -> Counter[str]:
    """Prose letters per language (CJK characters weighted as words), over three windows."""
    shares: Counter[str] = Counter()
    undecided: list[tuple[str, int]] = []  # Latin paragraphs too short to decide alone
    for window in _windows(prose((text or "")[:MAX_READ_CHARS])):
        for para in prose_paragraphs(window):
            counts = script_counts(para)
            latin = counts.pop("latin", 0)
            japanese = "kana" in counts
            for script, n in counts.items():
                lang = "ja" if japanese and script == "han" else _script_language(script)
                shares[lang] += n * (CJK_WEIGHT if script in ("han", "kana", "hangul") else 1)
            if latin:
                if winner := _clear_winner(para):
                    shares[winner] += latin
                else:
                    undecided.append((para, latin))
    if undecided:  # short lines of one poem or list decide together
        pooled = _clear_winner("\n".join(p for p, _ in undecided)) or "latin"
        shares[pooled] += sum(n for _, n in undecided)
    return shares


def _script_language(script: str) -> str:
    return _SCRIPT_NAMES.get(script) or SCRIPT_LANGUAGE.get(script, script)


def _windows(text: str) -> list[str]:
    if len(text) <= 3 * WINDOW_CHARS:
        return [text]
    middle = len(text) // 2 - WINDOW_CHARS // 2
    return [
        text[:WINDOW_CHARS],
        text[middle : middle + WINDOW_CHARS],
        text[-WINDOW_CHARS:],
    ]


def prose_paragraphs(text: str) -> list[str]:
    """Runs of consecutive prose lines (see is_prose_line), markup stripped."""
    paragraphs: list[list[str]] = [[]]
    for line in text.splitlines():
        stripped = _MARKUP.sub(" ", line).strip()
        if is_prose_line(stripped):
            paragraphs[-1].append(stripped)
        elif paragraphs[-1]:
            paragraphs.append([])
    return ["\n".join(p) for p in paragraphs if p]


def is_prose_line(line: str) -> bool:
    """A sentence, not a table row, a name list, a title, a comma list or notation."""
    if not line or line.count("|") >= 2:
        return False
    letters = [c for c in line if c.isalpha()]
    ascii_letters = sum(c.isascii() for c in letters)
    if ascii_letters < len(letters) / 2:
        return len(letters) >= ART_MIN_CHARS  # other scripts: Chinese has no spaces
    words = _WORD.findall(line)
    if len(words) < PROSE_LINE_WORDS or _comma_list(line):
        return False
    return sum(w[0].islower() for w in words) >= LOWER_SHARE * len(words)


def _comma_list(line: str) -> bool:
    """'innovative, unique, cutting-edge, bold': short items, however many stopwords."""
    items = line.split(",")
    return len(items) >= 4 and all(len(item.split()) <= 3 for item in items)


def _clear_winner(body: str) -> str | None:
    hits, _ = stopword_hits(body)
    ranked = sorted(hits.values(), reverse=True)[:2] or [0.0]
    best = max(hits, key=hits.__getitem__) if hits else None
    runner_up = ranked[1] if len(ranked) > 1 else 0.0
    if best and ranked[0] >= MIN_STOPWORDS and ranked[0] >= 1.5 * runner_up:
        return best
    return None
