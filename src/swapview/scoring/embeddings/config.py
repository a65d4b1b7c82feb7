"""Embedding settings from the swapview config file's ``[embeddings]`` table.

Same file as the replay settings ($SWAPVIEW_CONFIG, else ~/.config/swapview/config.toml).
Precedence for the http backend: flags, then $SWAPVIEW_EMBED_*, then this table, then
$OPENAI_API_KEY for the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...config import config_path, config_table
from ...errors import InputError

KEYS: dict[str, type | tuple[type, ...]] = {
    "embedder": str,
    "base_url": str,
    "model": str,
    "api_key": str,
    "batch_size": int,
    "concurrency": int,
    "timeout": (int, float),
    "encoding_format": str,
    "window_words": int,
}


def embeddings_settings(path: Path | None = None) -> dict[str, Any]:
    """The ``[embeddings]`` table, checked; {} when there is no config file."""
    table = config_table("embeddings", path)
    path = path or config_path()
    for key, value in table.items():
        if key not in KEYS:
            raise InputError(
                str(path), f"unknown key; one of {', '.join(KEYS)}", field=f"embeddings.{key}"
            )
        if not isinstance(value, KEYS[key]) or isinstance(value, bool):
            raise InputError(str(path), "wrong type", field=f"embeddings.{key}")
    return table
