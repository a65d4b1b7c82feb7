"""A pairwise LLM judge the reviewer calibrates (`swapview judge`, `swapview judge stats`)."""

from .config import JudgeSettings, build_judge_config
from .protocol import DEFAULT_RUBRIC, combine, parse_answer, rubric_hash
from .runner import Judge, Summary
from .verdicts import JudgeKey, combined_verdicts, latest_judge

__all__ = [
    "DEFAULT_RUBRIC",
    "Judge",
    "JudgeKey",
    "JudgeSettings",
    "Summary",
    "build_judge_config",
    "combine",
    "combined_verdicts",
    "latest_judge",
    "parse_answer",
    "rubric_hash",
]
