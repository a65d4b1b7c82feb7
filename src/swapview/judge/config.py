"""Judge settings, in replay's order with the judge's own layers on top.

Flags beat $SWAPVIEW_JUDGE_* beat the ``[judge]`` config table beat the replay settings
($SWAPVIEW_BASE_URL/_API_KEY, ``[replay]``) beat $OPENAI_*. Only the connection (base URL
and key) comes from the replay layers: the replay model is the model under test, never
the judge.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from ..config import config_table
from ..errors import InputError, SwapviewError
from ..replay.config import OPENAI_ENV, SWAPVIEW_ENV, ReplayConfig
from .protocol import DEFAULT_RUBRIC, response_format

Pick = Literal["auto", "head", "uncertain", "sample", "all"]
CONNECTION = ("base_url", "api_key")
JUDGE_ENV = {
    "base_url": "SWAPVIEW_JUDGE_BASE_URL",
    "api_key": "SWAPVIEW_JUDGE_API_KEY",
    "model": "SWAPVIEW_JUDGE_MODEL",
}


class JudgeSettings(BaseModel):
    """What to judge and how much to spend; the request settings are a ReplayConfig."""

    model_config = {"extra": "forbid"}

    rubric: str = DEFAULT_RUBRIC
    pick: Pick = "auto"
    limit: int | None = Field(default=None, ge=1)
    max_tokens_total: int | None = Field(default=None, ge=1)
    structured: bool = True  # send response_format json_schema
    logprobs: bool = True  # ask for logprobs (confidence); off for endpoints that refuse


JUDGE_KEYS = set(JudgeSettings.model_fields) | {"rubric_file"}


def build_judge_config(
    flags: Mapping[str, Any],
    *,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[ReplayConfig, JudgeSettings]:
    """Merge flags (None = not given), environment and config file."""
    environ = os.environ if environ is None else environ
    explicit = config_path is not None
    merged: dict[str, Any] = {"temperature": 0.0, "max_tokens": 200}
    merged.update({k: environ[v] for k, v in OPENAI_ENV.items() if environ.get(v)})
    replay_table = config_table("replay", config_path, explicit=explicit)
    merged.update({k: v for k, v in replay_table.items() if k in CONNECTION})
    merged.update(
        {k: environ[v] for k, v in SWAPVIEW_ENV.items() if k in CONNECTION and environ.get(v)}
    )
    merged.update(config_table("judge", config_path, explicit=explicit))
    merged.update({k: environ[v] for k, v in JUDGE_ENV.items() if environ.get(v)})
    merged.update({k: v for k, v in flags.items() if v is not None})
    judge = {k: merged.pop(k) for k in list(merged) if k in JUDGE_KEYS}
    if "rubric_file" in judge:
        judge["rubric"] = read_rubric(Path(judge.pop("rubric_file")))
    if not merged.get("model"):
        raise SwapviewError(
            "which judge model? give --model, $SWAPVIEW_JUDGE_MODEL or model in [judge]"
        )
    try:
        settings = JudgeSettings(**judge)
        extra = dict(merged.pop("extra", None) or {})
        if settings.structured:
            extra.setdefault("response_format", response_format())
        if settings.logprobs:
            extra.setdefault("logprobs", True)
            extra.setdefault("top_logprobs", 5)
        return ReplayConfig(**merged, extra=extra), settings
    except ValidationError as exc:
        parts = [
            f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}"
            for e in exc.errors(include_input=False, include_url=False)
        ]
        raise SwapviewError("bad judge setting: " + "; ".join(parts)) from None


def read_rubric(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read the rubric ({exc})") from None
    if not text:
        raise InputError(str(path), "the rubric file is empty")
    return text
