"""Cheap per-pair features for the likely-regression model.

A pure function of the texts, the stored scores and the signal names, so the same code
serves the benchmark (reading realdata files directly) and the app (reading the store).
A feature that cannot be computed (no scores yet, no embedding model) is NaN and later
becomes the neutral value of its column (see ``learner.standardise``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import numpy as np

# Signal names shared with scoring, review and export (see notes/COMMON.md). Each becomes
# a 0/1 feature; a signal unknown here is ignored rather than breaking the feature layout.
SIGNAL_NAMES: tuple[str, ...] = (
    "json_broke",
    "json_fixed",
    "json_keys_changed",
    "json_types_changed",
    "refusal_appeared",
    "refusal_gone",
    "markdown_changed",
    "language_changed",
    "truncated",
    "empty_output",
    "much_shorter",
    "much_longer",
    "contract",  # any `contract:NAME` signal: a contract the team declared or inferred broke
)
CONTRACT_PREFIX = "contract:"


def signal_column(name: str) -> str:
    """The feature a stored signal sets: every `contract:NAME` shares the one column."""
    return "contract" if name.startswith(CONTRACT_PREFIX) else name


SCORE_NAMES: tuple[str, ...] = ("semantic_distance", "lexical_distance", "signal_count")

TEXT_FEATURES: tuple[str, ...] = (
    "log_length_ratio",  # log((len(candidate)+1)/(len(baseline)+1)): < 0 = shorter
    "shorter",  # candidate shorter by more than 10%
    "identical",
    "candidate_empty",
    "word_distance",  # 1 - Jaccard of word sets, cheap stand-in for lexical distance
    "refusal_delta",  # refusal phrases in candidate minus baseline
    "apology_delta",
    "list_delta",  # list items, per (log) count
    "heading_delta",
    "code_block_delta",
    "numbers_changed",  # share of the baseline's numbers missing from the candidate
    "final_number_changed",  # the last number (often the answer) differs
    "ends_cleanly_lost",  # baseline ends with punctuation, candidate does not
    "log_prompt_length",
    "log_baseline_length",
    "hedge_delta",
    "log_candidate_length",
    "paragraph_delta",
    "bold_delta",
    "asks_back",  # the candidate asks for clarification where the baseline answered
    "repeated_lines",  # share of the candidate's lines that repeat an earlier line
    "code_prompt",  # prompt kinds: no prior, the learner finds which kind regressed
    "math_prompt",
    "writing_prompt",
)

# A judge's verdict (`swapview judge`, or a judge score that came with the data): its
# chance that the new answer is worse, and better. NaN for pairs not judged. Their prior
# weight is 0: the fit from the reviewer's tags alone decides how far the judge counts.
JUDGE_FEATURES: tuple[str, ...] = ("judge_p_regression", "judge_p_improvement")

FEATURE_NAMES: tuple[str, ...] = (
    TEXT_FEATURES + SCORE_NAMES + tuple(f"signal:{n}" for n in SIGNAL_NAMES) + JUDGE_FEATURES
)
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}

_WORD = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)*")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+", re.MULTILINE)
_HEADING = re.compile(r"^\s*(?:#{1,6}\s|\*\*[^*\n]{1,80}\*\*\s*:?\s*$)", re.MULTILINE)
REFUSAL = re.compile(
    r"\b(?:i\s+(?:can(?:no|')?t|cannot|am\s+(?:not\s+able|unable)|'m\s+(?:not\s+able|unable)"
    r"|won't|will\s+not|do\s+not\s+feel\s+comfortable|don't\s+feel\s+comfortable)"
    r"|as\s+an\s+ai\b|not\s+(?:able|appropriate)\s+to\s+(?:provide|help|assist))",
    re.IGNORECASE,
)
APOLOGY = re.compile(r"\b(?:i\s+apologi[sz]e|i'm\s+sorry|i\s+am\s+sorry|sorry,)", re.IGNORECASE)
_HEDGE = re.compile(
    r"\b(?:however|it\s+depends|may\s+not|might\s+not|i'm\s+not\s+sure|not\s+certain"
    r"|consult\s+(?:a|an|your)|please\s+note)\b",
    re.IGNORECASE,
)
_ASKS_BACK = re.compile(
    r"\b(?:could|can|would)\s+you\s+(?:please\s+)?(?:provide|clarify|specify|share|give\s+me)"
    r"|please\s+provide\s+more|more\s+(?:context|details)\s+(?:about|on|regarding)",
    re.IGNORECASE,
)
_CODE_PROMPT = re.compile(
    r"```|\b(?:code|python|function|javascript|sql|script|program|implement|regex|api)\b",
    re.IGNORECASE,
)
_MATH_PROMPT = re.compile(
    r"\b(?:calculate|solve|equation|probability|compute|integral|derivative|how\s+many)\b"
    r"|\d\s*[-+*/^=]\s*\d",
    re.IGNORECASE,
)
_WRITING_PROMPT = re.compile(
    r"\b(?:write|story|poem|essay|email|letter|blog|rewrite|compose|draft)\b", re.IGNORECASE
)
_CLEAN_END = re.compile(r"[.!?:;)\]}\"'`*>|]\s*$")


def _count(pattern: re.Pattern[str], text: str) -> int:
    return sum(1 for _ in pattern.finditer(text))


def _log_delta(a: int, b: int) -> float:
    """Signed change of a count on a log scale, so 0->3 and 10->30 weigh alike."""
    return math.log1p(b) - math.log1p(a)


def _numbers(text: str) -> list[str]:
    return [m.group(0).replace(",", "") for m in _NUMBER.finditer(text)]


def _number_features(baseline: str, candidate: str) -> tuple[float, float]:
    base, cand = _numbers(baseline), _numbers(candidate)
    if not base:
        return 0.0, 0.0
    missing = len(set(base) - set(cand)) / len(set(base))
    final = float(not cand or base[-1] != cand[-1])
    return missing, final


def _repeated_lines(text: str) -> float:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return 1.0 - len(set(lines)) / len(lines) if lines else 0.0


def _word_distance(baseline: str, candidate: str) -> float:
    a = set(_WORD.findall(baseline.lower()))
    b = set(_WORD.findall(candidate.lower()))
    if not a and not b:
        return 0.0
    return 1.0 - len(a & b) / len(a | b)


def text_features(prompt: str | None, baseline: str | None, candidate: str | None) -> list[float]:
    """The TEXT_FEATURES of one pair, in order."""
    prompt, base, cand = prompt or "", baseline or "", candidate or ""
    ratio = math.log((len(cand) + 1) / (len(base) + 1))
    missing, final = _number_features(base, cand)
    return [
        ratio,
        float(ratio < math.log(0.9)),
        float(base == cand),
        float(not cand.strip() and bool(base.strip())),
        _word_distance(base, cand),
        float(_count(REFUSAL, cand) - _count(REFUSAL, base)),
        float(_count(APOLOGY, cand) - _count(APOLOGY, base)),
        _log_delta(_count(_LIST_ITEM, base), _count(_LIST_ITEM, cand)),
        _log_delta(_count(_HEADING, base), _count(_HEADING, cand)),
        _log_delta(base.count("```") // 2, cand.count("```") // 2),
        missing,
        final,
        float(bool(_CLEAN_END.search(base)) and not _CLEAN_END.search(cand)),
        math.log1p(len(prompt)),
        math.log1p(len(base)),
        float(_count(_HEDGE, cand) - _count(_HEDGE, base)),
        math.log1p(len(cand)),
        _log_delta(base.count("\n\n"), cand.count("\n\n")),
        _log_delta(base.count("**") // 2, cand.count("**") // 2),
        float(bool(_ASKS_BACK.search(cand)) and not _ASKS_BACK.search(base)),
        _repeated_lines(cand) - _repeated_lines(base),
        float(bool(_CODE_PROMPT.search(prompt))),
        float(bool(_MATH_PROMPT.search(prompt))),
        float(bool(_WRITING_PROMPT.search(prompt))),
    ]


def pair_features(
    prompt: str | None,
    baseline: str | None,
    candidate: str | None,
    scores: Mapping[str, float | None] | None = None,
    signals: Iterable[str] = (),
    judge: tuple[float, float] | None = None,
) -> np.ndarray:
    """One row of FEATURE_NAMES; scores absent (not yet scored) and no judge are NaN."""
    scores = scores or {}
    fired = {signal_column(name) for name in signals}
    row = text_features(prompt, baseline, candidate)
    row += [_as_float(scores.get(name)) for name in SCORE_NAMES]
    row += [float(name in fired) for name in SIGNAL_NAMES]
    row += list(judge) if judge is not None else [math.nan] * len(JUDGE_FEATURES)
    return np.asarray(row, dtype=np.float64)


def _as_float(value: float | None) -> float:
    return math.nan if value is None else float(value)


def feature_matrix(rows: Iterable[tuple]) -> np.ndarray:
    """Stack pair_features over (prompt, baseline, candidate, scores, signals[, judge])."""
    built = [pair_features(*row) for row in rows]
    if not built:
        return np.zeros((0, len(FEATURE_NAMES)))
    return np.vstack(built)
