"""`contracts infer`: the invariants the old model's outputs kept, proposed as contracts.

1. Slices. When a metadata field separates outputs of different shapes (a `feature` or
   `template` field: JSON objects under one value, prose under another), each of its
   values is a slice with its own contracts. The field chosen is the one that explains
   most of the variation in output shape (information gain over a coarse shape class:
   JSON object and its keys, JSON array, fenced JSON, or text with or without markdown,
   by language); it must explain at least half of it, or there is one slice.
2. Invariants per slice: a JSON Schema of the shape (types, required keys, small enums,
   nested objects and arrays), word-count bounds with a margin, the language, no
   markdown, a fixed opening or ending. Each is proposed only when at least
   ``min_support`` of the slice's old outputs keep it, measured with the same checks
   `contracts check` runs, and only in slices of at least ``min_slice`` outputs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from .checks import Output, compile_contract
from .model import Contract

DEFAULT_SUPPORT = 0.99
DEFAULT_MIN_SLICE = 30
MAX_SLICE_VALUES = 50  # a field with more values is an id or a free label, not a feature
MIN_EXPLAINED = 0.5  # share of the shape entropy a field must explain to slice on it
MIN_ENTROPY = 0.05  # bits: below this the outputs all have one shape
MAX_ENUM = 12
MIN_ENUM_REPEAT = 3  # every enum value seen at least this often on average
MAX_DEPTH = 6
WORD_MARGIN_HIGH = 1.5  # the longest old outputs may grow by half before it breaks
WORD_MARGIN_LOW = 0.5
AFFIX_SAMPLE = 20_000
MIN_AFFIX = 4  # characters: "." or "Sure" alone is no fixed opening


@dataclass
class OldNew:
    metadata: Mapping[str, Any]
    baseline: str | None
    candidate: str | None


@dataclass
class Proposal:
    """One proposed contract with its evidence, for the comment above it in the file."""

    contract: Contract
    kind: str
    slice: str
    kept: int
    total: int
    new_broken: int  # new outputs that break it where the old output kept it
    new_total: int

    @property
    def support(self) -> float:
        return self.kept / self.total if self.total else 0.0


@dataclass
class InferResult:
    pairs: int
    field: str | None  # the metadata field the slices come from, None for one slice
    # dataclass_field: the class has an attribute named `field`, which mypy reads these as.
    slices: dict[str, int] = dataclass_field(default_factory=dict)  # slice -> old outputs
    too_small: dict[str, int] = dataclass_field(default_factory=dict)
    proposals: list[Proposal] = dataclass_field(default_factory=list)
    min_support: float = DEFAULT_SUPPORT
    min_slice: int = DEFAULT_MIN_SLICE


def infer_contracts(
    rows: Iterable[OldNew],
    *,
    min_support: float = DEFAULT_SUPPORT,
    min_slice: int = DEFAULT_MIN_SLICE,
) -> InferResult:
    """Propose contracts from the old outputs (the new ones only count what breaks)."""
    pairs = list(rows)
    olds = [Output(p.baseline) for p in pairs]
    classes = [shape_class(o) for o in olds]
    slicer = choose_field([p.metadata for p in pairs], classes, min_slice)
    result = InferResult(len(pairs), slicer, min_support=min_support, min_slice=min_slice)
    used: set[str] = set()
    for label, value, members in _slices(pairs, slicer):
        if len(members) < min_slice or (slicer is not None and value is None):
            result.too_small[label] = len(members)
            continue
        result.slices[label] = len(members)
        name = _unique(_slug(label), used)
        where = {} if slicer is None else {slicer: value}
        chosen = [olds[i] for i in members]
        news = [Output(pairs[i].candidate) for i in members]
        result.proposals += _propose(name, label, where, chosen, news, min_support)
    return result


def shape_class(out: Output) -> str:
    """A coarse shape: what a parser downstream would notice first."""
    parsed = out.parsed()
    if parsed is not None:
        value = parsed.value
        kind = "object:" + ",".join(sorted(value)[:20]) if isinstance(value, dict) else "array"
        return ("fenced " if parsed.fenced else "") + kind
    return f"text/{'markdown' if out.markdown() else 'plain'}/{out.language() or '-'}"


def choose_field(metas: list[Mapping[str, Any]], classes: list[str], min_slice: int) -> str | None:
    """The metadata field whose values best separate the output shapes, or None."""
    total = _entropy(Counter(classes))
    if total < MIN_ENTROPY:
        return None
    best: tuple[float, int, str] | None = None
    for name in _candidate_fields(metas):
        groups: dict[Any, Counter[str]] = {}
        for meta, cls in zip(metas, classes, strict=True):
            groups.setdefault(_value(meta, name), Counter())[cls] += 1
        big = [g for g in groups.values() if sum(g.values()) >= min_slice]
        if len(big) < 2:
            continue
        rest: Counter[str] = Counter()
        for g in groups.values():
            if sum(g.values()) < min_slice:
                rest += g
        parts = big + ([rest] if rest else [])
        gain = total - sum(sum(g.values()) / len(classes) * _entropy(g) for g in parts)
        key = (round(gain, 6), -len(groups), name)
        if gain >= MIN_EXPLAINED * total and (best is None or key > best):
            best = key
    return best[2] if best else None


def _candidate_fields(metas: list[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, set[Any]] = {}
    for meta in metas:
        for key, value in meta.items():
            if isinstance(value, str | int | bool):
                values = seen.setdefault(key, set())
                if len(values) <= MAX_SLICE_VALUES:
                    values.add(value)
    return sorted(k for k, v in seen.items() if 2 <= len(v) <= MAX_SLICE_VALUES)


def _value(meta: Mapping[str, Any], name: str) -> Any:
    value = meta.get(name)
    return value if isinstance(value, str | int | bool) else None


def _entropy(counts: Counter[str]) -> float:
    n = sum(counts.values())
    return -sum(c / n * math.log2(c / n) for c in counts.values() if c) if n else 0.0


def _slices(pairs: list[OldNew], slicer: str | None) -> list[tuple[str, Any, list[int]]]:
    """(label, field value, member indexes) per slice, biggest first."""
    if slicer is None:
        return [("all", None, list(range(len(pairs))))]
    groups: dict[Any, list[int]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault(_value(p.metadata, slicer), []).append(i)
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))
    return [
        (f"(no {slicer})" if value is None else str(value), value, members)
        for value, members in ranked
    ]


def _propose(
    name: str,
    label: str,
    where: dict[str, Any],
    olds: list[Output],
    news: list[Output],
    support: float,
) -> list[Proposal]:
    drafts = [("json", _json_checks(olds, support))]
    is_json = drafts[0][1] is not None
    drafts.append(("words", _word_checks(olds, support)))
    drafts.append(("language", _language_check(olds)))
    drafts.append(("markdown", {"markdown": "none"}))
    if not is_json:  # a schema already fixes how JSON opens and ends
        drafts.append(("opening", _affix(olds, support, ending=False)))
        drafts.append(("ending", _affix(olds, support, ending=True)))
    out = []
    for kind, checks in drafts:
        for candidate in _variants(kind, checks):
            contract = Contract(name=f"{name}-{kind}", where=where, **candidate)
            proposal = _measure(contract, kind, label, olds, news)
            if proposal.support >= support:
                out.append(proposal)
                break
    return out


def _variants(kind: str, checks: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The draft, then looser versions of it (a schema without enums or closed objects)."""
    if checks is None:
        return []
    if kind != "json":
        return [checks]
    schema = checks["json_schema"]
    loose = _loosen(schema, enums=True, closed=False)
    looser = _loosen(schema, enums=False, closed=False)
    return [checks, {**checks, "json_schema": loose}, {**checks, "json_schema": looser}]


def _measure(
    contract: Contract, kind: str, label: str, olds: list[Output], news: list[Output]
) -> Proposal:
    compiled = compile_contract(contract)
    old_kept = [compiled.check(o) is None for o in olds]
    broken = sum(
        1 for kept, new in zip(old_kept, news, strict=True) if kept and compiled.check(new)
    )
    return Proposal(contract, kind, label, sum(old_kept), len(olds), broken, len(news))


# --- JSON -----------------------------------------------------------------------------


def _json_checks(olds: list[Output], support: float) -> dict[str, Any] | None:
    parsed = [o.parsed() for o in olds]
    bare = [p.value for p in parsed if p is not None and not p.fenced]
    fenced = [p.value for p in parsed if p is not None and p.fenced]
    n = len(olds)
    if len(bare) >= support * n:
        return {"json_schema": infer_schema(bare, support), "fenced": "never"}
    if len(bare) + len(fenced) >= support * n:
        return {"json_schema": infer_schema(bare + fenced, support), "fenced": "allowed"}
    return None


def infer_schema(values: list[Any], support: float, depth: int = 0) -> dict[str, Any]:
    """A JSON Schema (Draft 2020-12) that at least ``support`` of the values satisfy."""
    types = Counter(_type(v) for v in values)
    if "integer" in types and "number" in types:
        types["number"] += types.pop("integer")
    kept = _covering(types, support * len(values))
    schema: dict[str, Any] = {"type": kept[0] if len(kept) == 1 else sorted(kept)}
    if depth >= MAX_DEPTH:
        return schema
    if "object" in kept:
        schema |= _object_schema([v for v in values if isinstance(v, dict)], support, depth)
    if "array" in kept:
        items = [x for v in values if isinstance(v, list) for x in v]
        if items:
            schema["items"] = infer_schema(items, support, depth + 1)
    if kept == ["string"] and (enum := _enum(values, support)) is not None:
        schema["enum"] = enum
    return schema


def _object_schema(objs: list[dict[str, Any]], support: float, depth: int) -> dict[str, Any]:
    counts: Counter[str] = Counter(k for o in objs for k in o)
    order = list(dict.fromkeys(k for o in objs for k in o))
    # Keys seen in a handful of objects are noise, not shape: they are left to the
    # "no other keys" rule, which allows them while they stay under 1 - support.
    rare = max(2, math.ceil((1 - support) * len(objs)))
    props = [k for k in order if counts[k] >= rare]
    out: dict[str, Any] = {
        "properties": {
            k: infer_schema([o[k] for o in objs if k in o], support, depth + 1) for k in props
        },
        "required": [k for k in props if counts[k] >= support * len(objs)],
    }
    known = set(props)
    open_objects = sum(1 for o in objs if set(o) - known)
    if open_objects <= (1 - support) * len(objs):
        out["additionalProperties"] = False
    return out


def _enum(values: list[Any], support: float) -> list[str] | None:
    counts = Counter(values)
    if len(counts) > MAX_ENUM or len(values) < MIN_ENUM_REPEAT * len(counts):
        return None
    chosen = _covering(counts, support * len(values))
    if len(chosen) < 2 and len(counts) > 1:
        return None  # one value and a few others: a default, not a closed set
    return sorted(chosen)


def _covering(counts: Counter[Any], needed: float) -> list[Any]:
    """The most common items whose counts add up to ``needed``."""
    chosen, total = [], 0
    for item, n in counts.most_common():
        if total >= needed:
            break
        chosen.append(item)
        total += n
    return chosen


_SCHEMA_TYPES: dict[type, str] = {str: "string", dict: "object", list: "array"}


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return _SCHEMA_TYPES.get(type(value), "string")


def _loosen(schema: Any, *, enums: bool, closed: bool) -> Any:
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if (key == "enum" and not enums) or (key == "additionalProperties" and not closed):
            continue
        if key == "properties":
            value = {k: _loosen(v, enums=enums, closed=closed) for k, v in value.items()}
        elif key == "items":
            value = _loosen(value, enums=enums, closed=closed)
        out[key] = value
    return out


# --- words, language, affixes ------------------------------------------------------------


def _word_checks(olds: list[Output], support: float) -> dict[str, Any] | None:
    counts = sorted(o.words() for o in olds)
    tail = (1 - support) / 2
    low = counts[math.floor(tail * (len(counts) - 1))]
    high = counts[math.ceil((1 - tail) * (len(counts) - 1))]
    checks: dict[str, Any] = {"max_words": max(high + 2, math.ceil(high * WORD_MARGIN_HIGH))}
    if math.floor(low * WORD_MARGIN_LOW) >= 1:
        checks["min_words"] = math.floor(low * WORD_MARGIN_LOW)
    return checks


def _language_check(olds: list[Output]) -> dict[str, Any] | None:
    langs = Counter(o.language() for o in olds)
    langs.pop(None, None)
    langs.pop("latin", None)
    if not langs:
        return None
    return {"language": langs.most_common(1)[0][0]}


def _affix(olds: list[Output], support: float, *, ending: bool) -> dict[str, Any] | None:
    step = max(1, len(olds) // AFFIX_SAMPLE)
    texts = [o.text.rstrip() if ending else o.text.lstrip() for o in olds[::step]]
    if ending:
        texts = [t[::-1] for t in texts]
    found = _common_prefix(texts, support)
    found = _cut_at_word(found)
    if len(found.strip()) < MIN_AFFIX or not re.search(r"\w", found):
        return None
    if ending:
        return {"ends_with": found[::-1].lstrip()}
    return {"starts_with": found.rstrip()}


def _common_prefix(texts: list[str], support: float) -> str:
    """The longest prefix at least ``support`` of the texts share, grown a character at a time."""
    prefix, live = "", texts
    needed = support * len(texts)
    while len(prefix) < 200:
        nxt = Counter(t[len(prefix)] for t in live if len(t) > len(prefix))
        if not nxt:
            break
        char, n = nxt.most_common(1)[0]
        if n < needed:
            break
        prefix += char
        live = [t for t in live if t.startswith(prefix)]
    return prefix


def _cut_at_word(prefix: str) -> str:
    """A prefix that ends mid-word is cut back to the last whole word."""
    if not prefix or not prefix[-1].isalnum():
        return prefix
    cut = re.search(r"^.*[\s\W]", prefix, re.DOTALL)
    return cut.group(0) if cut else ""


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-.")[:40] or "slice"


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name}-{n}", n + 1
    used.add(candidate)
    return candidate
