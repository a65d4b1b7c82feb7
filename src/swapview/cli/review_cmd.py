"""`swapview review` (also what `swapview` alone opens on an existing database)."""

from __future__ import annotations

import sys
from concurrent.futures import Future

import click
from sqlite_utils import Database

from ..config import load_config
from ..detail import comparisons
from ..judge.fields import configured_fields, import_missing_fields
from ..judge.pairs import ensure_judge_pairs
from ..queue import DEFAULT_ORDER, ORDERS, QueueSpec, get_order
from ..queue.window import preload
from ..scoring.status import score_hint
from ..store import on_thread, resolve_comparison
from .app import (
    State,
    config_option,
    default_reviewer,
    main,
    newest_comparison_option,
    pass_state,
    say,
)


@main.command()
@newest_comparison_option
@click.option("--reviewer", "-r", help="Your name on every tag (default: config, then $USER).")
@click.option("--order", "-o", type=click.Choice(sorted(ORDERS)), help="Queue order.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --order random.")
@click.option("--untagged", is_flag=True, help="Show only pairs nobody has tagged yet.")
@click.option("--theme", help="Textual theme, e.g. ansi-dark for 256-colour terminals.")
@config_option
@click.option("--no-resume", is_flag=True, help="Start at the top, not where you stopped.")
@click.option(
    "--evals",
    "evals",
    multiple=True,
    metavar="FILE",
    type=click.Path(dir_okay=False, exists=True),
    help="The eval suite, for the blind-spots view (B); config: evals = [...].",
)
@click.option(
    "--no-refine",
    is_flag=True,
    help="Do not refine the queue with the accurate model meanwhile (config: refine = 'off').",
)
@pass_state
def review(
    state: State,
    comparison: str | None,
    reviewer: str | None,
    order: str | None,
    seed: int,
    untagged: bool,
    theme: str | None,
    config_file: str | None,
    no_resume: bool,
    no_refine: bool,
    evals: tuple[str, ...],
) -> None:
    """Page through pairs most changed first and tag each with one key."""
    config = load_config(config_file)
    db = state.open_existing()  # a mistyped --db is an error, never a new empty database
    comps = comparisons(db.conn)
    if not comps:
        raise click.ClickException(
            f"{state.db_path} holds no pairs yet: load some with `swapview load`."
        )
    comp = resolve_comparison(db, comparison, newest=True)
    cid = comp["id"]
    # Read on a thread while the rest starts (a second at 1,000,000 pairs), printed before
    # the app takes the screen, so it is there again after quitting.
    hint = on_thread(state.db_path, lambda conn: score_hint(Database(conn), comp))
    order_name = order or config.order or DEFAULT_ORDER
    get_order(order_name)  # a bad name in the config file fails here, listing the choices
    # Judge fields of the config ([[judges]]) feed the learned order and the judge column.
    import_missing_fields(db, cid, configured_fields(config.judges))
    ensure_judge_pairs(db, [cid])  # verdicts stored before the queue could show them
    db.close()
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        _say_note(hint)
        # Textual would take over a terminal that is not there and wait forever.
        raise click.ClickException(
            "review needs a terminal (run it in one, over SSH, or in"
            " a browser with `swapview serve`)"
        )
    name = reviewer or config.reviewer or default_reviewer()
    spec = QueueSpec(order=order_name, seed=seed, comparison_id=cid, untagged=untagged)
    # The first queue read runs while Textual imports: the first screen comes sooner.
    first = preload(state.db_path, spec, None if no_resume else name)
    from ..tui import ReviewContext, SwapviewApp  # Textual loads only for this command

    _say_note(hint)  # read while Textual imported

    context = ReviewContext(
        db_path=state.db_path,
        reviewer=name,
        spec=spec,
        config=config,
        resume=not no_resume,
        refine=None if no_refine or config.refine == "off" else config.refine,
        evals=list(evals) or list(config.evals),
        comparisons=comps,
        preloaded=first,
    )
    app = SwapviewApp(context, theme=theme)
    app.run()
    if app.return_code:  # a crash inside the app: Textual printed it; say so to the shell
        sys.exit(app.return_code)


def _say_note(hint: Future[str | None]) -> None:
    if note := hint.result():
        say(f"note: {note}", err=True)
