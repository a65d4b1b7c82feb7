"""Replay settings: flags beat $SWAPVIEW_* beats the config file beats $OPENAI_*.

The swapview-specific environment and config file win over the generic OpenAI variables
because those are often set globally for other tools; a swapview setting is deliberate.
The API key is a ``SecretStr`` so no repr, log line or error message can show it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator

from ..config import config_table
from ..errors import SwapviewError

Side = Literal["baseline", "candidate"]
DEFAULT_BASE_URL = "https://api.openai.com/v1"

# name in ReplayConfig -> environment variables, most specific first; the OpenAI ones are
# consulted only after the config file (see the module docstring).
SWAPVIEW_ENV = {
    "base_url": "SWAPVIEW_BASE_URL",
    "api_key": "SWAPVIEW_API_KEY",
    "model": "SWAPVIEW_MODEL",
}
OPENAI_ENV = {"base_url": "OPENAI_BASE_URL", "api_key": "OPENAI_API_KEY"}


class ReplayConfig(BaseModel):
    """Everything one replay run needs besides the prompts."""

    model_config = {"extra": "forbid"}

    base_url: str = DEFAULT_BASE_URL
    api_key: SecretStr | None = None
    model: str
    side: Side = "candidate"
    system_prompt: str | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    seed: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    concurrency: int = Field(default=8, ge=1, le=1024)
    requests_per_minute: float | None = Field(default=None, gt=0)
    tokens_per_minute: float | None = Field(default=None, gt=0)
    timeout: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    backoff_base: float = Field(default=1.0, ge=0)
    backoff_max: float = Field(default=60.0, ge=0)
    max_retry_after: float = Field(default=300.0, ge=0)
    retry_failed: bool = True

    @field_validator("base_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        # People paste the full endpoint; the client appends it itself.
        for suffix in ("/chat/completions", "/chat"):
            if value.endswith(suffix):
                value = value[: -len(suffix)]
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("extra")
    @classmethod
    def _extra_is_not_core(cls, value: dict[str, Any]) -> dict[str, Any]:
        clash = sorted({"messages", "stream"} & value.keys())
        if clash:
            raise ValueError(f"extra body fields may not set {', '.join(clash)}")
        return value

    @property
    def display_url(self) -> str:
        """The base URL safe to print: any user:password part removed."""
        return safe_url(self.base_url)

    def secret(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None


def safe_url(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def parse_extra(text: str | None) -> dict[str, Any]:
    """``--extra '{"top_p": 0.9}'``: a JSON object merged into every request body."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SwapviewError(f"--extra is not valid JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(value, dict):
        raise SwapviewError("--extra must be a JSON object, e.g. '{\"top_p\": 0.9}'")
    return value


def build_config(
    flags: Mapping[str, Any],
    *,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> ReplayConfig:
    """Merge flags (None = not given), environment and config file into one config."""
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    for name, var in OPENAI_ENV.items():
        if environ.get(var):
            merged[name] = environ[var]
    merged.update(config_table("replay", config_path, explicit=config_path is not None))
    for name, var in SWAPVIEW_ENV.items():
        if environ.get(var):
            merged[name] = environ[var]
    merged.update({k: v for k, v in flags.items() if v is not None})
    if not merged.get("model"):
        raise SwapviewError("which model? give --model, $SWAPVIEW_MODEL or model in the config")
    try:
        return ReplayConfig(**merged)
    except ValidationError as exc:
        raise SwapviewError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    # Never echo input values: one of them may be the API key.
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "config"
        parts.append(f"{where}: {err['msg']}")
    return "bad replay setting: " + "; ".join(parts)
