"""Loading paired outputs into the store. Headless: never imports Textual.

The pipeline is ``source -> PairRecord stream -> PairWriter``, inside one write transaction:

* A **pair source** (``load.PairSource``) has ``source`` (text for ``comparisons.source``),
  ``records()`` (an iterator of ``store.PairRecord``), ``models()`` (baseline and candidate
  model names, valid once the first record has been produced) and ``default_name()`` (the
  comparison name when the user gives none). It writes what it skipped, what did not match
  and any warnings into the ``LoadReport`` it was built with; duplicate keys, empty and
  identical outputs, loaded/updated/unchanged are counted by the writer.
* Our own sources: ``load.SingleFile`` (both outputs per row) and ``join.JoinedFiles`` (one
  file per model, joined by a key field or the prompt text). Both read rows with
  ``readers`` (JSONL, JSON array, CSV/TSV, each optionally gzip; format told by content) and
  map fields with ``fields`` (auto-detected names, overridable).
* **Importers** for other tools' files (OpenAI Batch, promptfoo, inspect_ai, llm, LangSmith,
  Langfuse, ...) are just more pair sources. Write a factory
  ``(paths: list[str], options: LoadOptions, report: LoadReport) -> PairSource`` and
  add it to ``importers.IMPORTERS``; ``swapview load --from tool FILES`` gets it from
  ``importers.load_sources()``, passed to ``make_source`` (no registration on import).
  Raise ``errors.InputError`` for bad input (file, line, field); honour
  ``options.skip_bad`` with ``files.BadRows``; call ``options.progress(n_bytes)`` as bytes are
  read (``streams.open_input`` does this, and detects gzip, for free).
* ``load.load(db, source, report, comparison)`` writes it all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..store import LoadReport
from .fields import FieldMap
from .load import LoadOptions, PairSource, file_source, load, load_files

SourceFactory = Callable[[list[str], LoadOptions, LoadReport], PairSource]


def make_source(
    paths: list[str],
    options: LoadOptions,
    report: LoadReport,
    tool: str | None = None,
    sources: Mapping[str, SourceFactory] | None = None,
) -> PairSource:
    """The pair source for ``paths``: our own formats, or the named tool's, from the
    ``sources`` the caller passes in (``importers.load_sources()``): nothing registers
    itself by being imported."""
    if tool is None:
        return file_source(paths, options, report)
    sources = sources or {}
    try:
        factory = sources[tool]
    except KeyError:
        from ..errors import SwapviewError

        known = ", ".join(sorted(sources)) or "none yet"
        raise SwapviewError(f"no importer for {tool!r}; known: {known}") from None
    return factory(paths, options, report)


__all__ = [
    "FieldMap",
    "LoadOptions",
    "PairSource",
    "SourceFactory",
    "file_source",
    "load",
    "load_files",
    "make_source",
]
