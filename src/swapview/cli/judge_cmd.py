"""`swapview judge`: pairwise verdicts from an OpenAI-compatible judge; `judge stats`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click

from ..config import load_config, tag_kinds
from ..judge.config import build_judge_config
from ..judge.fields import configured_fields, import_field
from ..judge.runner import Judge, Summary
from ..judge.stats import Calibration, calibration
from ..judge.verdicts import JudgeKey, latest_judge
from ..replay import parse_extra
from ..store import resolve_comparison
from .app import (
    State,
    comparison_option,
    config_option,
    echo_json,
    json_option,
    main,
    pass_state,
    say,
)
from .replay_cmd import INTERRUPTED, ProgressLine


@main.group(invoke_without_command=True)
@comparison_option
@click.option("-m", "--model", help="Judge model ($SWAPVIEW_JUDGE_MODEL, [judge] model).")
@click.option("--base-url", help="Judge endpoint base URL ($SWAPVIEW_JUDGE_BASE_URL).")
@click.option("--api-key", help="API key; prefer $SWAPVIEW_JUDGE_API_KEY (a flag shows in ps).")
@click.option("--rubric", "rubric_file", type=click.Path(dir_okay=False), help="Rubric text file.")
@click.option(
    "--pick",
    type=click.Choice(["auto", "head", "uncertain", "sample", "all"]),
    help="Which pairs first [default: auto, the learned order's least certain near the head].",
)
@click.option("--limit", type=click.IntRange(min=1), help="Judge at most this many pairs.")
@click.option("--max-tokens-total", type=click.IntRange(min=1), help="Stop after this many tokens.")
@click.option("--max-tokens", type=int, help="Tokens per answer [default: 200].")
@click.option("--temperature", type=float, help="[default: 0]")
@click.option("--extra", help="JSON object merged into each request body.")
@click.option(
    "--structured/--no-structured", default=None, help="Send response_format [default: on]."
)
@click.option("--logprobs/--no-logprobs", default=None, help="Ask for logprobs [default: on].")
@click.option("-j", "--concurrency", type=int, help="Requests in flight [default: 8].")
@click.option("--rpm", "requests_per_minute", type=float, help="Requests per minute limit.")
@click.option("--tpm", "tokens_per_minute", type=float, help="Tokens per minute limit.")
@click.option("--timeout", type=float, help="Seconds per request [default: 120].")
@click.option("--max-retries", type=int, help="Retries of a transient fault [default: 5].")
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar [default: on a terminal]."
)
@click.option(
    "--judge-field",
    "judge_fields",
    multiple=True,
    metavar="FIELD",
    help="Store a metadata field's judge scores as verdicts instead of asking ([[judges]]).",
)
@config_option
@json_option
@click.pass_context
def judge(
    ctx: click.Context,
    comparison: str | None,
    judge_fields: tuple[str, ...],
    config_file: str | None,
    extra: str | None,
    progress: bool | None,
    as_json: bool,
    **flags: Any,
) -> None:
    """Ask a judge model which answer is better, in both orders, for the picked pairs."""
    if ctx.invoked_subcommand is not None:
        return
    state: State = ctx.find_object(State)
    fields = list(judge_fields) or _configured_fields(config_file)
    if judge_fields or (fields and not flags.get("model")):
        _import_fields(state, comparison, fields, as_json)
        return
    config, settings = build_judge_config(
        {**flags, "extra": parse_extra(extra) or None},
        config_path=Path(config_file) if config_file else None,
    )
    db = state.open_existing()
    show = sys.stderr.isatty() if progress is None else progress
    bar = ProgressLine() if show and not as_json else None
    runner = Judge(db, comparison, config, settings, on_progress=bar.update if bar else None)
    try:
        summary = asyncio.run(runner.run())
    except KeyboardInterrupt:
        summary = runner.summary
        summary.interrupted = True
    if bar:
        bar.close(summary)  # type: ignore[arg-type]
    _report(summary, as_json)
    if summary.stopped:
        raise click.ClickException(summary.stopped)
    if summary.interrupted:
        sys.exit(INTERRUPTED)
    if summary.all_failed:
        raise click.ClickException(f"every request failed ({summary.failed}), none answered")


def _configured_fields(config_file: str | None) -> list[str]:
    """The fields named by ``[[judges]] field = ...`` in the config file."""
    return configured_fields(load_config(config_file).judges)


def _import_fields(state: State, comparison: str | None, fields: list[str], as_json: bool) -> None:
    db = state.open_existing()
    cid = resolve_comparison(db, comparison)["id"]
    out = {}
    for field in fields:
        stored, empty = import_field(db, cid, field)
        out[field] = {"stored": stored, "empty": empty}
    if as_json:
        echo_json(out, indent=2)
        return
    for field, n in out.items():
        say(f"{field}: {n['stored']} verdicts stored, {n['empty']} pairs without a value")


def _report(s: Summary, as_json: bool) -> None:
    if as_json:
        echo_json(s.as_dict(), indent=2)
        return
    say(
        f"{s.comparison} (judge {s.model} at {s.base_url}, rubric {s.rubric_hash}):"
        f" {s.judged} judged, {s.identical} identical (free), {s.already} judged before;"
        f" {s.requests} requests, {s.unparseable} unparseable, {s.failed} failed,"
        f" {s.retried} retried; tokens {s.prompt_tokens} + {s.completion_tokens}"
        f" in {s.elapsed:.1f} s"
    )
    if s.budget:
        say(f"stopped early: {s.budget}")
    if s.errors:
        say("errors: " + ", ".join(f"{k} x{v}" for k, v in s.errors.items()))
    if s.interrupted:
        say("interrupted: the same command sends only what is missing", err=True)


@judge.command("stats")
@comparison_option
@click.option("-m", "--model", help="Judge model (default: the one that judged last).")
@click.option("--rubric", "rubric_file", type=click.Path(dir_okay=False), help="Rubric file.")
@config_option
@json_option
@pass_state
def judge_stats(
    state: State,
    comparison: str | None,
    model: str | None,
    rubric_file: str | None,
    config_file: str | None,
    as_json: bool,
) -> None:
    """How far the judge agrees with your tags: agreement, kappa, confusion table."""
    db = state.open_existing()
    cid = resolve_comparison(db, comparison)["id"]
    key = _judge_key(db, cid, model, rubric_file)
    kinds = tag_kinds(load_config(config_file))
    cal = calibration(db, cid, key, kinds)
    if as_json:
        echo_json(cal.as_dict(), indent=2)
        return
    say(render_calibration(cal))


def _judge_key(db: Any, cid: int, model: str | None, rubric_file: str | None) -> JudgeKey:
    from ..judge.config import read_rubric
    from ..judge.protocol import DEFAULT_RUBRIC, rubric_hash

    latest = latest_judge(db, cid)
    if latest is None:
        raise click.ClickException("no verdicts yet: run `swapview judge` first")
    if rubric_file:
        rhash = rubric_hash(read_rubric(Path(rubric_file)))
    elif model:
        rhash = rubric_hash(DEFAULT_RUBRIC) if model != latest.model else latest.rubric_hash
    else:
        rhash = latest.rubric_hash
    return JudgeKey(model or latest.model, rhash)


def render_calibration(cal: Calibration) -> str:
    k = cal.kappa
    lines = [
        f"judge {cal.judge.model} (rubric {cal.judge.rubric_hash}): {cal.judged} pairs judged,"
        f" {cal.inconsistent} inconsistent between orders, {k.n} also tagged by you"
    ]
    if k.n == 0:
        lines.append("no pair is both judged and tagged yet")
        return "\n".join(lines)
    kappa = "n/a" if k.kappa is None else f"{k.kappa:.2f} (95% {k.low:.2f} to {k.high:.2f})"
    lines.append(f"agreement {k.agreement:.0%}, Cohen's kappa {kappa}")
    labels = list(cal.confusion)
    lines.append("you \\ judge   " + "".join(f"{lab:>12}" for lab in labels))
    for rev, row in cal.confusion.items():
        lines.append(f"{rev:<14}" + "".join(f"{row[j]:>12}" for j in labels))
    if cal.disagreeing:
        lines.append("pairs where you disagree:")
        for d in cal.disagreeing[:20]:
            lines.append(
                f"  {d['key']}: you {d['tag']}, judge {d['judge']} ({d['confidence']:.2f})"
            )
    return "\n".join(lines)
