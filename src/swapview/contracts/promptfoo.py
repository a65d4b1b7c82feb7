"""A contract as promptfoo assertions, so the eval suite keeps guarding it after the review.

promptfoo has no language or markdown detector and cannot run swapview's `python` check:
those stay in the case's metadata. Word counts split on whitespace, as swapview counts.
Regexes are passed as written: JavaScript reads the common syntax the same, but not
Python-only constructs such as ``(?P<name>...)``.
"""

from __future__ import annotations

import json
from typing import Any

from .model import Contract

_WORDS = "String(output).split(/\\s+/).filter(Boolean).length"


def promptfoo_assertions(contract: Contract) -> list[dict[str, Any]]:
    """The checks promptfoo can run, each tagged with the contract's metric name."""
    c = contract
    out: list[dict[str, Any]] = []
    if isinstance(c.json_schema, dict) and c.fenced == "never":
        # promptfoo validates with ajv, which refuses the 2020-12 meta-schema URI.
        schema = {k: v for k, v in c.json_schema.items() if k != "$schema"}
        out.append({"type": "is-json", "value": schema})
    elif c.json_schema is not None:
        out.append({"type": "javascript", "value": _fenced_json_js()})
    if c.regex:
        out.append({"type": "regex", "value": c.regex})
    if c.not_regex:
        out.append({"type": "not-regex", "value": c.not_regex})
    if c.starts_with is not None:
        out.append({"type": "starts-with", "value": c.starts_with})
    if c.ends_with is not None:
        out.append(
            {
                "type": "javascript",
                "value": f"String(output).trimEnd().endsWith({_js(c.ends_with)})",
            }
        )
    if (bound := _word_bound(c)) is not None:
        out.append({"type": "javascript", "value": bound})
    if c.max_chars is not None:
        out.append({"type": "javascript", "value": f"String(output).length <= {c.max_chars}"})
    for item in out:
        item["metric"] = c.signal
    return out


def _word_bound(c: Contract) -> str | None:
    parts = []
    if c.min_words is not None:
        parts.append(f"{_WORDS} >= {c.min_words}")
    if c.max_words is not None:
        parts.append(f"{_WORDS} <= {c.max_words}")
    return " && ".join(parts) or None


def _fenced_json_js() -> str:
    # fenced = "allowed": bare JSON, or JSON in one ``` block; the schema is swapview's.
    return (
        "(() => { const t = String(output).trim();"
        " const m = t.match(/^(?:[^\\n`]*\\n\\s*)?```[a-z0-9]*[ \\t]*\\n([\\s\\S]*?)\\n\\s*```$/i);"
        " try { JSON.parse(m ? m[1] : t); return true; } catch (e) { return false; } })()"
    )


def _js(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
