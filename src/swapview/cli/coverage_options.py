"""Options and the one coverage path shared by `coverage` and `export --fill-gaps`."""

from __future__ import annotations

from typing import Any

import click
from sqlite_utils import Database

from ..coverage import Coverage, build_coverage, read_eval_cases
from ..scoring.embeddings import EMBEDDERS, make_embedder
from ..tagkinds import TagKinds
from .app import say, with_progress


def evals_option(command: Any) -> Any:
    """`--evals FILE` (repeatable): the team's eval cases, in any format swapview reads."""
    return click.option(
        "--evals",
        "evals",
        multiple=True,
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Eval cases: promptfoo tests or config, inspect_ai dataset, OpenAI evals"
        " samples, LangSmith dataset export, a swapview export (repeatable).",
    )(command)


def embedding_options(command: Any) -> Any:
    """`--embedder` and `--clusters`, shared by `coverage` and `export --fill-gaps`."""
    command = click.option(
        "--clusters",
        type=click.IntRange(2, 500),
        help="How many clusters of prompts (default: about sqrt(prompts/2), at most 40).",
    )(command)
    return click.option(
        "--embedder",
        type=click.Choice(EMBEDDERS),
        help="Embedder for prompts and eval cases (default: as `score`: the config's, else"
        " static).",
    )(command)


def compute_coverage(
    db: Database,
    comparison: dict[str, Any],
    evals: list[str],
    embedder: str | None,
    clusters: int | None,
    kinds: TagKinds,
    *,
    quiet: bool,
) -> Coverage:
    """Read the eval files, embed (cached) and cluster: the one path both commands take."""
    cases = read_eval_cases(list(evals))
    model = make_embedder(embedder, progress=None if quiet else _say)
    return with_progress(
        f"Embedding the prompts of {comparison['name']}",
        lambda progress: build_coverage(
            db, comparison, cases, model, clusters=clusters, kinds=kinds, progress=progress
        ),
        quiet=quiet,
    )


def _say(message: str) -> None:
    say(message, err=True)
