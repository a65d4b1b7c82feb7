"""Refusal detection: a phrase list in several languages, looked for near the start.

An output refuses when its opening says the model will not or cannot do what was asked: it
declines ("I must decline", "I will not provide"), is not comfortable doing it, or lacks the
access or ability ("I do not have access to ..."). An apology alone ("I apologize for the
confusion"), an apology that corrects ("I'm sorry, but I am not Obi-Wan"), or a disclaimer
about the model itself ("I don't have personal opinions, but ...") is no refusal.

What follows the refusal decides how much was refused. "I can't browse the web, but here is
a full answer" is a *partial* refusal: the model declines part of the request (or its
literal form) and then answers substantially. Everything after the refusal phrase is split
into sentences; restated limits, apologies, lectures, offers and pointers elsewhere ("let me know",
"if you can provide ...", "I recommend visiting ...", "however, I can ...") carry no answer
and are dropped; the words left are the answer. They make the refusal partial when there are
at least ``PARTIAL_MIN_WORDS`` of them, or, for a short request, at least
``PARTIAL_SHARE`` of the other model's answer: "I can't see a calendar, but if today is
1 December there are 24 days left" answers a question the other model answered in a line.

Refusals open with the refusal ("I'm sorry, but I can't ..."); looking only at the opening
keeps a long helpful answer that says "you cannot do X" on line 30 from counting. A phrase
inside a concessive clause ("Although I don't have access to live data, here is ...") is a
caveat on an answer, not a refusal, and does not count either.
"""

from __future__ import annotations

import re

OPENING_CHARS = 300

PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "i can't help",
        "i cannot help",
        "i can't assist",
        "i cannot assist",
        "i can't provide",
        "i cannot provide",
        "i can't comply",
        "i cannot comply",
        "i can't fulfill",
        "i cannot fulfill",
        "i can't do that",
        "i cannot do that",
        "i can't create",
        "i cannot create",
        "i can't write",
        "i cannot write",
        "i can't share",
        "i cannot share",
        "i can't support",
        "i cannot support",
        "i won't be able to",
        "i will not be able to",
        "i'm unable to",
        "i am unable to",
        "i'm not able to",
        "i am not able to",
        "i must decline",
        "i have to decline",
        "i'm not comfortable",
        "i am not comfortable",
        "i won't help",
        "i will not help",
        "i won't provide",
        "i will not provide",
        "i'm sorry, but i",
        "i am sorry, but i",
        "sorry, but i can",
        "i apologize, but i",
        "i apologise, but i",
        "as an ai language model, i can't",
        "as an ai language model, i cannot",
        "as an ai, i can't",
        "as an ai, i cannot",
        "i'm not allowed to",
        "i am not allowed to",
        "i can't engage",
        "i cannot engage",
        "i can't give",
        "i cannot give",
        "i can't answer",
        "i cannot answer",
        "i can't generate",
        "i cannot generate",
        "i can't recommend",
        "i cannot recommend",
        "i'm afraid i can't",
        "i'm afraid i cannot",
        "i will not write",
        "i won't write",
        "i will not create",
        "i won't create",
        "i will not generate",
        "i won't generate",
        "i will not engage",
        "i won't engage",
        "i'd rather not",
        "i would rather not",
        "i should not provide",
        "i shouldn't provide",
        # Claude's phrasings: discomfort, and missing access or ability.
        "i do not feel comfortable",
        "i don't feel comfortable",
        "i would not feel comfortable",
        "i wouldn't feel comfortable",
        "i do not have access",
        "i don't have access",
        "i do not have the ability",
        "i don't have the ability",
        "i do not have the capability",
        "i don't have the capability",
    ),
    "es": (
        "no puedo ayudar",
        "no puedo proporcionar",
        "no puedo cumplir",
        "no puedo hacer eso",
        "no puedo crear",
        "no puedo ofrecer",
        "lo siento, pero no puedo",
        "lo siento, no puedo",
        "no me es posible",
    ),
    "fr": (
        "je ne peux pas",
        "je ne suis pas en mesure",
        "désolé, mais je ne",
        "je suis désolé, mais je",
        "je suis désolée, mais je",
        "il m'est impossible",
    ),
    "de": (
        "ich kann ihnen nicht",
        "ich kann dir nicht",
        "ich kann nicht",
        "ich kann keine",
        "es tut mir leid, aber ich",
        "leider kann ich",
        "ich bin nicht in der lage",
        "ich darf nicht",
    ),
    "pt": (
        "não posso ajudar",
        "não posso fornecer",
        "não posso fazer isso",
        "desculpe, mas não posso",
        "não consigo ajudar",
        "lamento, mas não posso",
    ),
    "it": (
        "non posso aiutarti",
        "non posso fornire",
        "mi dispiace, ma non posso",
        "non sono in grado di",
        "non posso farlo",
    ),
    "nl": ("ik kan je niet helpen", "ik kan niet helpen", "het spijt me, maar ik kan"),
    "ru": ("я не могу", "извините, но я не", "к сожалению, я не могу"),
    "zh": ("我不能", "我无法", "抱歉，我不能", "抱歉，我无法", "对不起，我不能"),
    "ja": ("申し訳ありませんが", "お手伝いできません", "お答えできません"),
    "ko": ("죄송하지만", "도와드릴 수 없습니다", "제공할 수 없습니다"),
}

# Apologies that only lead into what follows: "I'm sorry, but I can't" refuses, "I'm sorry,
# but I am not Obi-Wan" corrects and "Sorry, but I can help" helps. They count when the rest
# of their sentence says no.
APOLOGY_LEADS = frozenset(
    {
        "i'm sorry, but i",
        "i am sorry, but i",
        "sorry, but i can",
        "i apologize, but i",
        "i apologise, but i",
        "es tut mir leid, aber ich",
        "je suis désolé, mais je",
        "je suis désolée, mais je",
    }
)
_NEGATION = re.compile(
    r"\b(?:can't|cannot|can not|won't|will not|unable|not able|not possible|not appropriate"
    r"|not ethical|must decline|don't have|do not have|not comfortable|don't feel|do not feel"
    r"|shouldn't|should not|not allowed|not permitted|nicht|keine|ne peux|ne suis pas)"
)
_IDIOM = re.compile(r"\s*but\b")  # "I can't help but wonder" is no refusal

_ALL = sorted({p for phrases in PHRASES.values() for p in phrases}, key=len, reverse=True)
_PATTERN = re.compile("|".join(re.escape(p) for p in _ALL))
# From the start of a phrase's clause to the phrase: a concession word there makes it a caveat.
_CONCESSIVE = re.compile(r"\b(?:although|though|while|whilst|even if)\b")
_CLAUSE_END = re.compile(r"[.!?;:]\s")
_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def refusal_phrase(text: str | None) -> str | None:
    """The refusal phrase found in the opening of the text, or None."""
    found = _refusal_match(text)
    return found[0] if found else None


def _refusal_match(text: str | None) -> tuple[str, int] | None:
    """The refusal phrase in the opening and where it ends in the folded text, or None."""
    if not text:
        return None
    opening = _fold(text[:OPENING_CHARS])
    for match in _PATTERN.finditer(opening):
        if not _is_caveat(opening, match.start()) and _says_no(opening, match):
            return match.group(0), match.end()
    return None


def _fold(text: str) -> str:
    return " ".join(text.lower().translate(_QUOTES).split())


def _says_no(opening: str, match: re.Match[str]) -> bool:
    phrase = match.group(0)
    if phrase.endswith("help") and _IDIOM.match(opening, match.end()):
        return False
    if phrase not in APOLOGY_LEADS:
        return True
    end = _SENTENCE_END.search(opening, match.end())
    rest = opening[match.start() : end.start() if end else len(opening)]
    return _NEGATION.search(rest) is not None


def _is_caveat(opening: str, start: int) -> bool:
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(opening, 0, start)), default=0)
    return _CONCESSIVE.search(opening, clause_start, start) is not None


PARTIAL_MIN_WORDS = 60  # a paragraph of answer after the refusal: it answered the rest
PARTIAL_SHARE = 0.5  # ...or half as many words as the other model's whole answer
PARTIAL_FLOOR = 8  # but never fewer than a sentence's worth
FULL, PARTIAL = "full", "partial"

# Sentences after the refusal that carry no answer: restated limits, apologies, lectures,
# offers, requests for more input, pointers elsewhere, and announcements of what is coming.
_NO_ANSWER = re.compile(
    r"\b(?:without (?:access|the ability|real-time|more|further|additional|the full)"
    r"|(?:do not|don't|cannot|can't|unable to|not able to) (?:browse|access|have access)"
    r"|as an ai\b|my (?:training|knowledge) (?:data|cut-?off)"
    r"|it(?:'s| is) (?:important|essential|crucial|always best|best|not appropriate) to"
    r"|i apologi[sz]e|sorry|let me know|feel free|(?:happy|glad) to|i hope this helps"
    r"|if you (?:can |could |would |'d )?(?:provide|share|give|have|like|want|need|supply)"
    r"|please (?:provide|share|specify|supply|let|note)|perhaps we could|good luck"
    r"|i (?:would |'d )?(?:recommend|suggest|advise|encourage)"
    r"|you (?:can|could|may|might) (?:easily )?(?:find|search|check|visit|look|consult))"
)
_ANNOUNCEMENT = re.compile(
    r"(?:however|but|instead|nevertheless|that said)?,? ?(?:i(?: can| could| will|'ll| would"
    r"|'d| am able to|'m able to)\b|(?:here is|here's|here are|below is|below are)\b[^:]*:?$)"
)
_BUT = re.compile(r"\b(?:but|however)\b,?")
_PIECE = re.compile(r"(?<=[.!?。！？])\s+|\n+")
_LEAD = re.compile(r"^[\s>*#\-+\d.)]*")


def refusal_kind(text: str | None, other: str | None = None) -> tuple[str, str] | None:
    """("full" or "partial", the phrase) when the text refuses, else None.

    ``other`` is the other model's answer to the same prompt: how long a whole answer is.
    """
    found = _refusal_match(text)
    if found is None:
        return None
    phrase, end = found
    rest = (text or "").lower().translate(_QUOTES)[_original_offset(text or "", end) :]
    words = answer_words(rest)
    needed = min(PARTIAL_MIN_WORDS, PARTIAL_SHARE * len((other or "").split()))
    return (PARTIAL if words >= max(needed, PARTIAL_FLOOR) else FULL), phrase


def _original_offset(text: str, folded_end: int) -> int:
    """Where the folded opening's offset falls in the text (folding only drops spaces)."""
    wanted = folded_end - _fold(text[:OPENING_CHARS])[:folded_end].count(" ")
    seen = 0
    for i, char in enumerate(text):
        if seen == wanted:
            return i
        seen += not char.isspace()
    return len(text)


def answer_words(rest: str) -> int:
    """Words of answer in what follows a refusal phrase (lower-cased): see the docstring."""
    # The refusal's own sentence may go on to answer: "..., but here is how to reset it".
    first, *after = _PIECE.split(rest)
    clause = _BUT.split(first, maxsplit=1)
    pieces = clause[1:] + after
    return sum(len(p.split()) for p in map(_clean, pieces) if p and _answers(p))


def _clean(piece: str) -> str:
    return _LEAD.sub("", piece).strip()


def _answers(piece: str) -> bool:
    return not (_PATTERN.search(piece) or _NO_ANSWER.search(piece) or _ANNOUNCEMENT.match(piece))
