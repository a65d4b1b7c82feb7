"""Checking outputs against contracts: each output parsed once, every contract's checks run.

The detectors are the signals' own (scoring.language, scoring.structure, scoring.jsonshape),
so a contract's "language" or "no markdown" means what the signals mean by them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema

from ..export.where import Where, matches
from ..scoring import jsonshape
from ..scoring.language import detect_language, lacks_language
from ..scoring.signals import language_text, structure_text
from ..scoring.structure import markdown_features
from .model import Contract

_UNSET: Any = object()
DETAIL_CHARS = 160


class Output:
    """One output, with what the checks need computed on first use and then kept."""

    __slots__ = ("text", "_whole", "_fenced", "_words", "_language", "_markdown")

    def __init__(self, text: str | None) -> None:
        self.text = text or ""
        self._whole = self._fenced = self._words = self._language = self._markdown = _UNSET

    def whole_json(self) -> Any:
        """The whole output parsed as JSON (any value), or _UNSET when it does not parse."""
        if self._whole is _UNSET:
            self._whole = _loads(self.text)
        return self._whole

    def parsed(self) -> jsonshape.ParsedJSON | None:
        """The output as bare or fenced JSON (container), as the signals read it."""
        if self._fenced is _UNSET:
            whole = self.whole_json()
            if whole is not _UNSET and isinstance(whole, dict | list):
                self._fenced = jsonshape.ParsedJSON(whole, fenced=False)
            elif whole is not _UNSET:
                self._fenced = None  # a bare scalar: JSON, but no fence to look for
            else:
                self._fenced = jsonshape.parse_json(self.text)
        return self._fenced

    def words(self) -> int:
        if self._words is _UNSET:
            self._words = len(self.text.split())
        return self._words

    def language(self) -> str | None:
        if self._language is _UNSET:
            self._language = detect_language(language_text(self.text, self.parsed()))
        return self._language

    def markdown(self) -> dict[str, int]:
        if self._markdown is _UNSET:
            self._markdown = markdown_features(structure_text(self.text, self.parsed()))
        return self._markdown


def _loads(text: str) -> Any:
    stripped = text.strip()
    if not stripped or stripped[0] not in '{["-0123456789tfn':
        return _UNSET  # prose: spare the parser
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return _UNSET


@dataclass(frozen=True, slots=True)
class Compiled:
    """A contract made ready to check: schema validator and regexes compiled once."""

    contract: Contract
    where: tuple[Where, ...]
    validator: Any
    regex: re.Pattern[str] | None
    not_regex: re.Pattern[str] | None

    @property
    def name(self) -> str:
        return self.contract.name

    def applies(self, metadata: Mapping[str, Any] | None) -> bool:
        return not self.where or matches(dict(metadata or {}), self.where)

    def check(self, out: Output) -> str | None:
        """Why the output breaks the contract (first failing check), or None: it keeps it.

        The ``python`` check is not run here: it runs in a worker process (see worker.py).
        """
        c = self.contract
        for reason in (
            self._json(out) if self.validator is not None else None,
            _regex(out.text, self.regex, self.not_regex),
            _affixes(out.text, c.starts_with, c.ends_with),
            _sizes(out, c.min_words, c.max_words, c.max_chars),
            _language(out, c.language) if c.language else None,
            _markdown(out) if c.markdown == "none" else None,
        ):
            if reason is not None:
                return reason
        return None

    def _json(self, out: Output) -> str | None:
        value = out.whole_json()
        if value is _UNSET:
            parsed = out.parsed()
            if parsed is None:
                return "not JSON"
            if self.contract.fenced == "never":
                return "JSON inside a code fence"
            value = parsed.value
        if self.validator.is_valid(value):
            return None
        error = jsonschema.exceptions.best_match(self.validator.iter_errors(value))
        at = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        return _short(f"schema: ${at}: {error.message}")


def compile_contract(contract: Contract) -> Compiled:
    schema = contract.json_schema
    validator = None
    if schema is not None:
        # One compiled validator per schema; format checks stay off, as Draft 2020-12
        # makes them annotations unless a vocabulary asks for assertion.
        validator = jsonschema.Draft202012Validator(schema)
    return Compiled(
        contract=contract,
        where=contract.where_clauses(),
        validator=validator,
        regex=re.compile(contract.regex) if contract.regex else None,
        not_regex=re.compile(contract.not_regex) if contract.not_regex else None,
    )


def _regex(text: str, must: re.Pattern[str] | None, must_not: re.Pattern[str] | None) -> str | None:
    if must is not None and must.search(text) is None:
        return _short(f"does not match /{must.pattern}/")
    if must_not is not None and (m := must_not.search(text)) is not None:
        return _short(f"matches /{must_not.pattern}/: {m.group(0)[:40]!r}")
    return None


def _affixes(text: str, starts: str | None, ends: str | None) -> str | None:
    if starts is not None and not text.lstrip().startswith(starts):
        return _short(f"does not start with {starts!r}")
    if ends is not None and not text.rstrip().endswith(ends):
        return _short(f"does not end with {ends!r}")
    return None


def _sizes(out: Output, low: int | None, high: int | None, chars: int | None) -> str | None:
    if low is not None and out.words() < low:
        return f"{out.words()} words, under {low}"
    if high is not None and out.words() > high:
        return f"{out.words()} words, over {high}"
    if chars is not None and len(out.text) > chars:
        return f"{len(out.text)} characters, over {chars}"
    return None


def _language(out: Output, want: str) -> str | None:
    got = out.language()
    if got is None or got == want:
        return None  # too little text to tell: no evidence of a switch
    if got == "latin":
        text = language_text(out.text, out.parsed())
        return f"none of {want}'s common words" if lacks_language(text, want) else None
    return f"language {got}, not {want}"


def _markdown(out: Output) -> str | None:
    found = out.markdown()
    return f"markdown: {', '.join(found)}" if found else None


def _short(text: str) -> str:
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "…"
