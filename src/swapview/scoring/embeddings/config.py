"""Embedding settings from the swapview config file's ``[embeddings]`` table.

Same file as the replay settings ($SWAPVIEW_CONFIG, else ~/.config/swapview/config.toml).
Precedence for the http backend: flags, then $SWAPVIEW_EMBED_*, then this table, then
$OPENAI_API_KEY for the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...replay.config import default_config_path

KEYS = {"embedder": str, "base_url": str, "model": str, "api_key": str, "batch_size": int,
        "concurrency": int, "timeout": (int, float), "encoding_format": str}


def embeddings_settings(path: Path | None = None) -> dict[str, Any]:
    """The ``[embeddings]`` table, checked; {} when there is no config file."""
    path = path or default_config_path()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"not valid TOML ({exc})") from exc
    table = data.get("embeddings", {})
    if not isinstance(table, dict):
        raise InputError(str(path), "must be a table", field="embeddings")
    for key, value in table.items():
        if key not in KEYS:
            raise InputError(str(path), f"unknown key; one of {', '.join(KEYS)}",
                             field=f"embeddings.{key}")
        if not isinstance(value, KEYS[key]) or isinstance(value, bool):
            raise InputError(str(path), "wrong type", field=f"embeddings.{key}")
    return table
