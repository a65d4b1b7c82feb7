"""`swapview triage`: likely-regression order, clusters, and the remaining-regressions estimate."""

from __future__ import annotations

from dataclasses import asdict

import click

from ..config import load_config
from ..judge.fields import configured_fields, import_missing_fields
from ..store import resolve_comparison
from ..tagkinds import TagKinds
from ..triage.clusters import (
    build_clusters,
    cluster_exists,
    cluster_members,
    cluster_of,
    more_like_this,
    tag_cluster,
    top_clusters,
)
from ..triage.estimate import describe_remaining
from ..triage.learner import chance_percent
from ..triage.ranking import likely_regressions, refit_and_store
from ..triage.sampling import estimate_remaining, suggest_sample
from .app import (
    State,
    comparison_option,
    config_option,
    default_reviewer,
    echo_json,
    json_option,
    main,
    pass_state,
    say,
)


@main.group("triage")
def triage_group() -> None:
    """Learned likely-regression order, clusters of alike changes, what is left."""


def _comparison_id(state: State, name: str | None) -> tuple:
    db = state.open()
    return db, resolve_comparison(db, name)["id"]


def _kinds(config_file: str | None) -> TagKinds:
    """What each tag counts as, from the config file (read before the database opens)."""
    return load_config(config_file).tag_kinds()


@triage_group.command("refit")
@comparison_option
@click.option(
    "--top",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many of the queue to print.",
)
@json_option
@config_option
@pass_state
def refit_command(
    state: State, comparison: str | None, top: int, as_json: bool, config_file: str | None
) -> None:
    """Refit from the current tags and print the head of the likely-regression queue."""
    config = load_config(config_file)
    kinds = config.tag_kinds()
    db, cid = _comparison_id(state, comparison)
    # Judge scores that came with the data ([[judges]]) are features like any other.
    for field in import_missing_fields(db, cid, configured_fields(config.judges)):
        say(f"judge field {field}: stored as verdicts")
    report = refit_and_store(db, cid, kinds)
    head = likely_regressions(db, cid, limit=top)
    if as_json:
        echo_json({"refit": asdict(report), "queue": head})
        return
    say(
        f"{report.pairs} pairs scored from {report.tags} tags ({report.regressions} regressions)"
        f" in {report.seconds:.2f} s"
    )
    width = max((len(row["key"]) for row in head), default=0)
    for row in head:
        say(f"  {row['key']:<{width}}  {chance_percent(row['score']):>3d}%  {row['reason'] or ''}")


@triage_group.command("clusters")
@comparison_option
@click.option(
    "--top",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many clusters to print.",
)
@pass_state
def clusters_command(state: State, comparison: str | None, top: int) -> None:
    """Regroup pairs whose changes are alike and list the biggest groups."""
    db, cid = _comparison_id(state, comparison)
    count = build_clusters(db, cid)
    say(f"{count} cluster{'' if count == 1 else 's'}")
    for cluster in top_clusters(db, cid, top):
        say(f"  {cluster.describe()}")


@triage_group.command("tag-cluster")
@click.argument("cluster_id", type=int)
@click.argument("tag")
@click.option("--reviewer", default=default_reviewer, help="Who tags (default $USER).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@config_option
@pass_state
def tag_cluster_command(
    state: State, cluster_id: int, tag: str, reviewer: str, yes: bool, config_file: str | None
) -> None:
    """Tag every unreviewed pair of a cluster in one step."""
    known = set(_kinds(config_file))  # every tag: the defaults and the config's own
    db = state.open()
    if tag not in known:
        raise click.BadParameter(
            f"{tag!r} is not a tag; use one of {', '.join(sorted(known))}"
            " (custom tags come from the config file)",
            param_hint="TAG",
        )
    todo = (
        len(cluster_members(db, cluster_id, unreviewed_only=True))
        if cluster_exists(db, cluster_id)
        else 0
    )
    if todo and not yes:
        click.confirm(
            f"Tag the {todo} unreviewed pairs of cluster {cluster_id} as {tag}?", abort=True
        )
    done = tag_cluster(db, cluster_id, reviewer, tag)
    if not done:
        say(f"nothing to tag: every pair of cluster {cluster_id} is already reviewed")
        return
    say(f"tagged {len(done)} pairs as {tag} (review ids {done[0]}-{done[-1]})")


@triage_group.command("estimate")
@comparison_option
@json_option
@config_option
@pass_state
def estimate_command(
    state: State, comparison: str | None, as_json: bool, config_file: str | None
) -> None:
    """Estimate how many regressions remain among the unreviewed pairs."""
    kinds = _kinds(config_file)
    db, cid = _comparison_id(state, comparison)
    est = estimate_remaining(db, cid, kinds=kinds)
    if as_json:
        echo_json(est)
        return
    say(describe_remaining(est))
    if est["suggest"]["pair_ids"]:
        say(f"next: {est['suggest']['reason']} (swapview triage sample)")


@triage_group.command("sample")
@comparison_option
@click.option(
    "--size",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many pairs to suggest.",
)
@config_option
@pass_state
def sample_command(
    state: State, comparison: str | None, size: int, config_file: str | None
) -> None:
    """Random pairs to tag that would tighten the estimate most."""
    kinds = _kinds(config_file)
    db, cid = _comparison_id(state, comparison)
    suggestion = suggest_sample(db, cid, size=size, kinds=kinds)
    say(suggestion.reason)
    for pid in suggestion.pair_ids:
        key = db.execute("SELECT key FROM pairs WHERE id = ?", [pid]).fetchone()[0]
        say(f"  {pid:>8}  {key}")


@triage_group.command("alike")
@click.argument("key")
@comparison_option
@click.option(
    "--limit",
    default=10,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many pairs to list.",
)
@pass_state
def alike_command(state: State, key: str, comparison: str | None, limit: int) -> None:
    """Unreviewed pairs most like the pair KEY: its cluster first, then nearest features."""
    db, cid = _comparison_id(state, comparison)
    row = db.execute(
        "SELECT id FROM pairs WHERE comparison_id = ? AND key = ?", [cid, key]
    ).fetchone()
    if row is None:
        raise click.ClickException(f"no pair with key {key!r} in this comparison")
    cluster = cluster_of(db, row[0])
    if cluster:
        say(cluster.describe())
    for pid in more_like_this(db, row[0], limit=limit):
        say(db.execute("SELECT key FROM pairs WHERE id = ?", [pid]).fetchone()[0])
