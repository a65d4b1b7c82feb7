"""The user's config file (TOML): reviewer name, custom tags, key remaps, theme.

Looked up at $SWAPVIEW_CONFIG, else $XDG_CONFIG_HOME/swapview/config.toml (default
~/.config/swapview/config.toml). A missing file means defaults; a broken one is an
InputError naming the file, line and field.

    reviewer = "ana"
    theme = "ansi-dark"          # any Textual theme name
    order = "semantic"
    contracts = "contracts.toml" # for `swapview contracts check`; relative to this file

    [[tags]]
    name = "wrong_fact"
    key = "f"
    label = "plausible but wrong fact"
    counts_as = "regression"     # or improvement, neutral, skip (default: neutral)

    [keys]                       # binding id = key(s), comma-separated
    tag_regression = "x"
    next_pair = "j,down"
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import InputError
from .reviews import DEFAULT_TAGS
from .tagkinds import DEFAULT_KINDS, UNNAMED_KIND, TagKind

_TAG_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class TagConfig(BaseModel):
    """A tag with its key; custom tags sit beside regression/improvement/neutral/skip."""

    model_config = ConfigDict(extra="forbid")
    name: str
    key: str = Field(min_length=1, max_length=20)
    label: str | None = None
    # What the tag means for the numbers (regression rate, export's expected answer, the
    # learned order); None keeps a custom tag a judged pair that is neither (neutral).
    counts_as: TagKind | None = None

    @field_validator("name")
    @classmethod
    def _name_is_a_word(cls, value: str) -> str:
        if not _TAG_NAME.match(value):
            raise ValueError("use lower-case letters, digits, '_' or '-' (at most 40)")
        return value

    @field_validator("counts_as")
    @classmethod
    def _defaults_keep_their_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Remapping "regression" to count as an improvement would turn every report upside
        # down; a default tag may only change its key and label.
        own = DEFAULT_KINDS.get(info.data.get("name", ""))
        if own is not None and value not in (None, own):
            raise ValueError(f"{info.data['name']!r} is a default tag: it always counts as {own}")
        return value

    @property
    def kind(self) -> str:
        return self.counts_as or DEFAULT_KINDS.get(self.name) or UNNAMED_KIND


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reviewer: str | None = None
    theme: str | None = None
    order: str | None = None
    tags: list[TagConfig] = Field(default_factory=list)
    keys: dict[str, str] = Field(default_factory=dict)
    # Read and checked by `swapview replay` and `swapview score` (config_table); kept
    # here only so one config file can hold every section.
    replay: dict[str, Any] = Field(default_factory=dict)
    embeddings: dict[str, Any] = Field(default_factory=dict)
    # The contracts file `swapview contracts check` reads when none is named; a relative
    # path is relative to the config file's folder.
    contracts: str | None = None
    judge: dict[str, Any] = Field(default_factory=dict)  # `swapview judge` (judge.config)
    # Judge scores that came with the data: [[judges]] field = "candidate.scores.NAME".
    judges: list[dict[str, Any]] = Field(default_factory=list)
    # The accurate model that refines the queue while the review app is open (minilm,
    # http: the [embeddings] endpoint), or "off".
    refine: Literal["minilm", "http", "off"] = "minilm"
    # The team's eval suite (files `coverage --evals` reads): the review app's blind spots.
    evals: list[str] = Field(default_factory=list)
    # The share of each reviewer's tags offered to the others for a second look (the
    # review app's A), for the agreement `swapview report` shows.
    second_look_share: float = Field(0.05, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _tag_keys_unique(self) -> Config:
        # A custom tag on a default's key would never be reachable: the first one wins.
        owner: dict[str, str] = {}
        for tag in self.all_tags():
            if tag.key in owner:
                raise ValueError(
                    f"tag {tag.name!r} uses key {tag.key!r}, already the key of"
                    f" {owner[tag.key]!r}; give one of them another key"
                )
            owner[tag.key] = tag.name
        return self

    def all_tags(self) -> list[TagConfig]:
        """The default tags, then custom ones; a custom tag of the same name wins."""
        custom = {t.name: t for t in self.tags}
        tags = [
            custom.pop(name, TagConfig(name=name, key=key)) for name, key in DEFAULT_TAGS.items()
        ]
        return tags + list(custom.values())

    def tag_kinds(self) -> dict[str, str]:
        """Every configured tag name -> what it counts as (defaults are their own kind)."""
        return {t.name: t.kind for t in self.all_tags()}


def tag_kinds(config: Config | None = None) -> dict[str, str]:
    """The kinds of the config's tags; with no config, of the default tags only."""
    return dict(DEFAULT_KINDS) if config is None else config.tag_kinds()


def config_path() -> Path:
    """$SWAPVIEW_CONFIG, else $XDG_CONFIG_HOME/swapview/config.toml."""
    explicit = os.environ.get("SWAPVIEW_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "swapview" / "config.toml"


def read_config_file(path: str | Path | None = None, *, explicit: bool = False) -> dict[str, Any]:
    """The whole config file as a dict; {} when there is none.

    A file named on the command line (``explicit``) must exist; the default one may not.
    """
    p = Path(path) if path else config_path()
    if not p.exists():
        if explicit:
            raise InputError(str(p), "config file not found")
        return {}
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(str(p), f"not UTF-8 text ({exc.reason})", offset=exc.start) from exc
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from(str(exc))
        raise InputError(str(p), f"not valid TOML ({exc})", line=line) from exc


def config_table(
    name: str, path: str | Path | None = None, *, explicit: bool = False
) -> dict[str, Any]:
    """One ``[name]`` table of the config file; {} when absent."""
    table = read_config_file(path, explicit=explicit).get(name, {})
    if not isinstance(table, dict):
        raise InputError(str(path or config_path()), "must be a table", field=name)
    return table


def load_config(path: str | Path | None = None) -> Config:
    """Read the config file; defaults when it does not exist."""
    data = read_config_file(path)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise InputError(str(path or config_path()), err["msg"], field=where) from exc


def _line_from(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None
