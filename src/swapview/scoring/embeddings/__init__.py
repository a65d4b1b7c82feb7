"""Embedding backends behind one interface (`Embedder`), chosen by name.

static (default): token vectors computed from MiniLM by our own code, cached per machine.
minilm: all-MiniLM-L6-v2 int8 ONNX, the accurate and slow option.
http: any OpenAI-compatible /v1/embeddings endpoint.
Backends import their heavy dependencies (onnxruntime, tokenizers) only when chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import Embedder, cosine_distance, is_blank, normalise_rows

EMBEDDERS = ("static", "minilm", "http")

__all__ = [
    "EMBEDDERS",
    "Embedder",
    "cosine_distance",
    "is_blank",
    "make_embedder",
    "normalise_rows",
]


def make_embedder(
    kind: str | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    **http_options: Any,
) -> Embedder:
    """An embedder by name (else the config file's, else static); see ``config.py``."""
    from .config import embeddings_settings

    file = embeddings_settings()
    kind = kind or file.get("embedder") or "static"
    if kind == "static":
        from .distill import load_static_embedder

        return load_static_embedder(progress=progress)
    if kind == "minilm":
        from .minilm import MiniLMEmbedder

        return MiniLMEmbedder()
    if kind == "http":
        from .http import HTTPConfig, HTTPEmbedder

        return HTTPEmbedder(
            HTTPConfig.from_env(base_url, model, api_key, file=file, **http_options)
        )
    raise ValueError(f"unknown embedder {kind!r}; one of {', '.join(EMBEDDERS)}")
