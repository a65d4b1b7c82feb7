"""Where a text stops: does it look cut off (a token limit), or did it simply end?

Without a stored finish reason only the text can tell, and a missing full stop is no cut:
many complete answers end on a name, a field, a list item or a sentence whose full stop
was left off. So the text alone fires only on endings no finished answer has: an open
code block or JSON value, a bracket or quote left open, a last word that is a function
word ("... such as", "... and the") or a word cut in half. A last sentence that merely
lacks its full stop counts only beside a baseline that ended cleanly and was much longer:
the answer stopped well short of what a whole answer to the prompt looked like.
"""

from __future__ import annotations

import re

from .language import FIELD_LINE, STOPWORDS
from .structure import FENCE_LINE, HEADING, LIST_ITEM

# What may close a complete answer: sentence punctuation in several scripts, closing
# brackets and quotes, markdown emphasis, and emoji-like symbols.
SENTENCE_BREAK = re.compile(r"[.!?。！？]\s")  # a sentence ended before the last one
CLOSERS = set(".!?…:;)]}\"'`*_»”’。！？）」』】>|")
OPEN_END = ",(–—-&=[{"  # a text cannot stop right after these (and an odd "/": "CI/")
# Words an English sentence cannot end on (articles, prepositions that need an object,
# conjunctions, possessives, a few auxiliaries), plus articles and prepositions of the
# other languages the stopword lists know. Particles that end phrasal verbs ("log in",
# "turn it on") and modals that end elliptic clauses ("if you can") are left out.
FUNCTION_WORDS = frozenset(
    "the an and or but nor than such including especially whose their its your our"
    " because although whereas unless whether it's there's you're we're they're let's"
    " he's she's"
    " la le les des du el los las une una der die das den dem und et del della".split()
)
# English strands prepositions ("what we hoped for", "a place to come from") and ends
# clauses on modals ("if you can"): these end a text only when it is prose written in
# sentences, and not after a pronoun or a verb form that takes them ("if you like", "what
# it is", "looked forward to").
PREPOSITIONS = frozenset(
    "of with for from to by as into onto upon between among during toward towards like"
    " via is are was were a".split()
)
MODALS = frozenset("may might must should could would can will".split())
ELLIPSIS_BEFORE = frozenset("you i we they he she it who what that this would will".split())
_WORD_CHARS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_LAST_TOKEN = re.compile(r"[\w'’]+$")
_URL_OR_ADDRESS = re.compile(r"(?:https?://|www\.|\S@\S)")
_PLACEHOLDER = re.compile(r"\[[^\]\n]{2,40}\]")  # "[Your Name]": a template's signature
_BARE_FENCE = re.compile(r"^[ \t]{0,3}(?:```|~~~)[ \t]*$")
_JSON_START = re.compile(r'(?:\{\s*"|\[\s*[\[{"\d-])')  # not "[Your Name]"
_VALEDICTION_END = re.compile(
    r"\b(?:regards|sincerely|yours truly|cheers)\b\W{0,8}[^.!?\n]{0,40}$", re.IGNORECASE
)

STOPWORD_SET = frozenset().union(*STOPWORDS.values())  # "me" is a word, not "measure" cut
SHORT_WORDS = 20  # below this, with one sentence, an answer ("The total is 42") may end so
C_LIKE_STATEMENTS = 3
BRACKETS = (("(", ")"), ("[", "]"), ("{", "}"))
SHORT_REPLY_WORDS = 60
SHORT_OF_BASELINE = 0.7  # a bare missing full stop counts under 70% of a clean baseline
MIN_WORDS = 4  # a last line of fewer words is a label, a name or a sign-off
LABEL_WORDS = 10
PROSE_LETTERS = 0.75
LONG_WORD = 12  # mean word length of run-together text ("thesescenesaredesigned")
SIGNATURE_LINES = 4
CLOSING_WORDS = 4


def unfinished_reason(text: str | None) -> str | None:
    """Why a text surely looks cut off (an open code block, a dangling word), or None."""
    body = (text or "").rstrip()
    if not body:
        return None
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    last = lines[-1]
    if _open_fence(body, lines):
        return "ends inside an open code block"
    if _JSON_START.match(body) and body.count(body[0]) > body.count("]" if body[0] == "[" else "}"):
        return "ends inside an unclosed JSON value"
    end = last.split()[-1]
    if _signed_off(lines) or _URL_OR_ADDRESS.search(end) or end.startswith("#"):
        return None  # a signature, a placeholder, an address, a link or a hashtag ends here
    if last[-1] in CLOSERS and last[-1] != ":":
        return None
    if _open_table_row(lines):
        return "ends inside a table row"
    if _same_ending(lines):
        return None  # "mango, 5, 750," on every line: the text's style, not a cut
    if _open_end(last):
        return "ends mid-sentence"
    if last[-1] == ":" and _sentence_like(last) and not HEADING.match(last):
        return "ends before what it announces"
    if _open_bracket(last) and not _not_prose(last, share=0.5):
        return "ends inside an open bracket or quote"
    if not last[-1].isalpha():
        return None
    if _dangling_word(last, in_sentences=_in_sentences(lines)):
        return "ends mid-sentence"
    if _in_sentences(lines) and _cut_word(body, last):
        return "ends mid-word"
    return None


def stops_short(candidate: str | None, baseline: str | None) -> str | None:
    """A last sentence with no full stop, where the baseline ended cleanly and was much
    longer: the candidate stopped well short of a whole answer (weaker than a dangling
    word, so it needs the baseline's evidence)."""
    body, whole = (candidate or "").rstrip(), (baseline or "").rstrip()
    if not body or not whole or len(body) >= SHORT_OF_BASELINE * len(whole):
        return None
    if whole[-1] not in CLOSERS or unfinished_reason(whole) is not None:
        return None
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if _structured_line(lines[-1]) or _signed_off(lines):
        return None  # list and table endings often carry no full stop
    # A reply of a few punctuated sentences (a support answer, a summary) rarely drops its
    # last full stop; stories, essays and lists often do, so they need a sure sign.
    words = len(body.split())
    if words > SHORT_REPLY_WORDS or (words < SHORT_WORDS and not SENTENCE_BREAK.search(body)):
        return None  # ...and a one-sentence answer ("The total is 42") may end so
    # Verse, lists written as plain lines and other text whose lines never close with
    # punctuation show that style on the line before.
    if not _open_ending(lines[-1]) or (len(lines) > 1 and _unpunctuated(lines[-2])):
        return None
    return "stops mid-sentence, well short of the baseline"


def _open_fence(body: str, lines: list[str]) -> bool:
    """An odd number of fence lines, unless the text ends on a fence or on closing prose.

    A fence closed at the end of a text line ("... this line. ```") or a fence nested in
    another ("````markdown" around "```python") leaves the count odd too; a text that
    ends on a bare fence line, or on a sentence of prose after one, was not cut.
    """
    fences = list(FENCE_LINE.finditer(body))
    if not len(fences) % 2:
        return False
    if _BARE_FENCE.match(lines[-1]) or _closing_prose(lines[-1]):
        return False
    return not _complete_code(body[fences[-1].end() :])


def _complete_code(code: str) -> bool:
    """Code whose brackets all closed and whose last line ends a statement: a block whose
    closing fence was left off, or output that repeats until the limit; neither shows
    the answer stopped before its content."""
    if any(code.count(a) != code.count(b) for a, b in BRACKETS):
        return False
    lines = [line.rstrip() for line in code.splitlines() if line.strip()]
    if not lines or code.rstrip("\n") != code.rstrip():
        return False  # it stops in the indentation of a line never written
    if sum(line.endswith(";") for line in lines) >= C_LIKE_STATEMENTS:
        # Braces-and-semicolons code ends a statement or a block; "public class Program"
        # is a header whose body never came.
        return lines[-1][-1] in ";}"
    return lines[-1][-1].isalnum() or lines[-1][-1] in ")]}\"'"


def _open_table_row(lines: list[str]) -> bool:
    """'| a | b |' rows, then a last '| c | d' whose closing bar never came."""
    last = lines[-1]
    return (
        len(lines) > 1
        and last.startswith("|")
        and not last.endswith("|")
        and lines[-2].startswith("|")
        and lines[-2].endswith("|")
    )


def _open_bracket(line: str) -> bool:
    """A bracket or quote opened on the last line and never closed."""
    return (
        line.count("(") > line.count(")")
        or line.count("[") > line.count("]")
        or line.count("{") > line.count("}")
        or line.count("“") > line.count("”")
        or line.count('"') % 2 == 1
    )


def _dangling_word(line: str, *, in_sentences: bool) -> bool:
    """The line stops on a word that needs more after it: 'and the', 'such as a'."""
    raw = _WORD_CHARS.findall(line.replace("’", "'"))
    if len(raw) < MIN_WORDS or not raw[-1].islower():
        return False  # "Y" is a letter in a spelling, not Spanish "and"
    words = [w.lower() for w in raw]
    if words[-1] in FUNCTION_WORDS:
        return True
    if words[-1] not in PREPOSITIONS | MODALS or not in_sentences:
        return False
    before = words[-2]
    if words[-1] in MODALS:  # "... the sources listed may", not "... if you can"
        return before not in ELLIPSIS_BEFORE
    return not (before in ELLIPSIS_BEFORE or before.endswith("ed") or before in _ADVERBS)


_ADVERBS = frozenset("forward back out up down off away together along".split())


def _in_sentences(lines: list[str]) -> bool:
    """Prose written in sentences: the line before the last closes with punctuation (or is
    a list item or heading), unlike verse and phrases one per line."""
    return len(lines) == 1 or not _unpunctuated(lines[-2])


def _same_ending(lines: list[str]) -> bool:
    return len(lines) > 1 and lines[-2][-1] == lines[-1][-1] and not lines[-1][-1].isalnum()


def _open_end(line: str) -> bool:
    if _not_prose(line, share=0.5):
        return False  # a drawing ("(__/") or a rule ("---") ends on symbols
    if line[-1] == "/":
        return line.count("/") % 2 == 1  # "/ˌɪntərˈpreɪʃənz/" is a pronunciation
    return line[-1] in OPEN_END


def _sentence_like(line: str) -> bool:
    """Words, mostly lower-case, mostly letters: not notation ("G: Em: D: C:") or art."""
    words = _WORD_CHARS.findall(line)
    chars = [c for c in line if not c.isspace()]
    return (
        len(words) >= 3
        and sum(w[0].islower() for w in words) * 2 >= len(words)
        and sum(c.isalpha() for c in chars) * 2 >= len(chars)
    )


def _cut_word(body: str, line: str) -> bool:
    """The last word is the start of a word the text uses elsewhere, and never a word of
    its own there: 'friendshi' where 'friendship' appears, 'anim' after 'animated'."""
    token = _LAST_TOKEN.search(line)
    if token is None or not token.group().isalpha() or not token.group().islower():
        return False
    stem = token.group()
    others = {w.lower() for w in _WORD_CHARS.findall(body[: -len(stem)])}
    if stem in others or stem in STOPWORD_SET or len(line.split()) < 2:
        return False
    return any(len(w) >= len(stem) + 2 and w.startswith(stem) for w in others)


def _open_ending(line: str) -> bool:
    """Does the line stop where a sentence cannot: on a word, in prose."""
    words = line.split()
    if words[-1].startswith(("#", "@")) or "@" in words[-1] or len(words) <= MIN_WORDS:
        return False  # hashtags, addresses, labels and sign-offs close a text
    if line[-1] in CLOSERS or not line[-1].isalpha():
        return False
    letters = [w for w in _WORD_CHARS.findall(line)]
    if letters and sum(map(len, letters)) / len(letters) > LONG_WORD:
        return False  # run-together words: degenerate output, not a sentence cut short
    return not (
        _not_prose(line)
        or (FIELD_LINE.match(line) and len(words) <= LABEL_WORDS)
        or _ATTRIBUTION.search(line)
        or _comma_list(line)
    )


# "Location: Main Street" is a field; '"..." - A. A. Milne' an attribution; a line of
# symbols and numbers ("H = ml² + mgl cos θ", "5:00 am - 5:50 am TST") a formula or value.
_ATTRIBUTION = re.compile(r"[.!?\"”'’]\s*[-–—]+\s*\S+(?:\s+\S+){0,5}$")


def _closing_prose(line: str) -> bool:
    """A sentence of prose closing the text: words, then a full stop, '!' or '?'."""
    return line[-1] in ".!?" and len(line.split()) >= CLOSING_WORDS and not _not_prose(line)


# A letter's valediction in the last lines: the name, title or team under it needs no stop.
_VALEDICTION = re.compile(
    r"^\**(?:best|kind|warm|warmest)?\s*(?:regards|wishes|sincerely|yours(?: truly| sincerely)?"
    r"|thanks|thank you|cheers|respectfully)\b[^\n]{0,20}$",
    re.IGNORECASE,
)


def _signed_off(lines: list[str]) -> bool:
    """A valediction or a template placeholder ("[Your Name]") in the last lines."""
    tail = lines[-SIGNATURE_LINES:]
    if _VALEDICTION_END.search(lines[-1]):  # "... Best regards,<br>Medical Team"
        return True
    return any(_VALEDICTION.match(line) or _PLACEHOLDER.search(line) for line in tail)


def _unpunctuated(line: str) -> bool:
    """A line of prose that ends with no closing mark (a heading or list item needs none)."""
    return line[-1] not in CLOSERS and not _structured_line(line)


def _not_prose(line: str, share: float = PROSE_LETTERS) -> bool:
    chars = [c for c in line if not c.isspace()]
    return " = " in line or sum(c.isalpha() for c in chars) < share * len(chars)


def _comma_list(line: str) -> bool:
    """'a, b, c, d': four or more short items, a list however it ends."""
    items = line.split(",")
    return len(items) >= 4 and all(len(item.split()) <= 4 for item in items)


def _structured_line(line: str) -> bool:
    return bool(
        LIST_ITEM.match(line)
        or HEADING.match(line)
        or line.startswith("|")
        or line.startswith(("http://", "https://"))
    )
