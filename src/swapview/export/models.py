"""Pydantic models for export: the selection, one exported case, and each tool's record."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..tagkinds import kind_of, tags_of_kind

# Where the expected answer comes from, per kind of tag. A custom tag follows what it
# counts as (config `counts_as`); one that does not say accepts both outputs unless the
# caller maps it: swapview cannot know whether "hallucination" means the old answer was right.
IdealSource = Literal["baseline", "candidate", "both"]
# Where a case's ideal answer came from: the policy's source, or the reviewer's correction.
CaseSource = IdealSource | Literal["corrected"]
DEFAULT_POLICY: dict[str, IdealSource] = {
    "regression": "baseline",
    "improvement": "candidate",
    "neutral": "both",
    "skip": "both",
}
DEFAULT_EXCLUDED_TAGS = ("skip",)


class Selection(BaseModel):
    """Which decided pairs to export."""

    model_config = ConfigDict(frozen=True)

    comparison: str
    tags: tuple[str, ...] = ()  # empty: every tag except skip
    reviewers: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()  # any of these signals fired
    # (metadata path, value) pairs that must all hold: `--where human.winner=baseline`.
    where: tuple[tuple[tuple[str, ...], str], ...] = ()
    include_stale: bool = False
    policy: dict[str, IdealSource] = Field(default_factory=dict)  # overrides DEFAULT_POLICY
    # What each tag counts as (Config.tag_kinds()); empty: the default tags only.
    kinds: dict[str, str] = Field(default_factory=dict)
    # `--judged worse`: also the unreviewed pairs the latest judge gave this verdict,
    # marked judge-labelled (reviewer "judge:MODEL", metadata.swapview_judge).
    judged: Literal["new_worse", "new_better", "same"] | None = None
    # Only pairs with these keys (`--fill-gaps` chooses them); empty: no restriction.
    keys: tuple[str, ...] = ()

    def source_for(self, tag: str) -> IdealSource:
        return self.policy.get(tag) or DEFAULT_POLICY[kind_of(tag, self.kinds)]

    def excluded_tags(self) -> tuple[str, ...]:
        """Tags left out when no --tag is given: skip and every tag that counts as skip."""
        return tuple(dict.fromkeys(DEFAULT_EXCLUDED_TAGS + tags_of_kind("skip", self.kinds)))


class Scores(BaseModel):
    """The pair's scores, present only when computed on the pair's current content."""

    semantic_distance: float | None = None
    lexical_distance: float | None = None
    length_change: float | None = None
    signal_count: int = 0
    embedding_model: str | None = None
    scorer_version: str | None = None


class Signal(BaseModel):
    name: str
    detail: str | None = None


class ContractVerdict(BaseModel):
    """One contract checked on the pair (`swapview contracts check`), on its current content."""

    name: str
    baseline: Literal["kept", "broken"]
    candidate: Literal["kept", "broken"]
    candidate_error: str | None = None
    # promptfoo assertions drafted from the contract when it was checked
    assertions: list[dict[str, Any]] = Field(default_factory=list)

    def kept_by(self, source: str) -> bool:
        """Whether the answers the decision accepts all kept it (a corrected one is unchecked)."""
        sides = {"baseline": ("baseline",), "candidate": ("candidate",)}
        wanted = sides.get(source, ("baseline", "candidate") if source == "both" else ())
        return bool(wanted) and all(getattr(self, side) == "kept" for side in wanted)


class ExportCase(BaseModel):
    """One tagged pair with its expected answer worked out: the `swapview` format's record."""

    id: str
    comparison: str
    key: str
    prompt: str | list[dict[str, Any]] | None
    prompt_format: str
    baseline_model: str | None
    candidate_model: str | None
    baseline_output: str | None
    candidate_output: str | None
    tag: str
    note: str | None
    reviewer: str
    decided: str
    stale: bool
    corrected_output: str | None
    ideal_source: CaseSource
    ideal: str
    acceptable: list[str]
    rejected: list[str]
    scores: Scores | None
    signals: list[Signal]
    pair_metadata: dict[str, Any] | None = None
    contracts: list[ContractVerdict] = Field(default_factory=list)

    def chat_messages(self) -> list[dict[str, Any]]:
        """The prompt as chat messages (a text prompt becomes one user message)."""
        if isinstance(self.prompt, list):
            return self.prompt
        return [{"role": "user", "content": self.prompt or ""}]

    def prompt_as_text(self) -> str:
        if isinstance(self.prompt, list):
            return "\n\n".join(f"{m.get('role', '')}: {m.get('content', '')}" for m in self.prompt)
        return self.prompt or ""

    def signal_names(self) -> set[str]:
        return {s.name for s in self.signals}

    def contract_metadata(self) -> dict[str, Any]:
        """{"contracts": {name: {"baseline": "kept", "candidate": "broken"}}}, or {}."""
        if not self.contracts:
            return {}
        return {
            "contracts": {
                c.name: {"baseline": c.baseline, "candidate": c.candidate} for c in self.contracts
            }
        }

    def short_metadata(self) -> dict[str, Any]:
        """What every tool's metadata carries: enough to trace a case back to its review."""
        return self.contract_metadata() | {
            "swapview_id": self.id,
            "comparison": self.comparison,
            "key": self.key,
            "tag": self.tag,
            "note": self.note,
            "reviewer": self.reviewer,
            "decided": self.decided,
            "ideal_source": self.ideal_source,
            "baseline_model": self.baseline_model,
            "candidate_model": self.candidate_model,
            "semantic_distance": self.scores.semantic_distance if self.scores else None,
            "signals": sorted(self.signal_names()),
        }


class OpenAIEvalsSample(BaseModel):
    """A sample for openai/evals' Match-style evals; `id` and the pair's metadata
    (`pair_metadata`, `pair_metadata_skipped`) are extra keys that evals ignores."""

    model_config = ConfigDict(extra="allow")

    input: list[dict[str, Any]]
    ideal: str | list[str]
    id: str


class InspectSample(BaseModel):
    """A record `inspect_ai.dataset.json_dataset` reads without a field map."""

    id: str
    input: str | list[dict[str, Any]]
    target: str | list[str]
    metadata: dict[str, Any]


class PromptfooTestCase(BaseModel):
    """One promptfoo test case (a line of a `tests: file://...jsonl`)."""

    description: str
    vars: dict[str, Any]
    assert_: list[dict[str, Any]] = Field(alias="assert")
    metadata: dict[str, Any]

    model_config = ConfigDict(populate_by_name=True)


class LangSmithExample(BaseModel):
    """A LangSmith dataset example as its JSONL upload and `create_examples` take it; `id`
    is a UUID stable across exports (derived from the case id)."""

    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    metadata: dict[str, Any]
