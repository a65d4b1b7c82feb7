"""What one browser tab runs: `python -m swapview.web.tab SPEC_JSON`.

`swapview serve` checks the database, comparison, order and config once, then hands
each tab the result as JSON, so a tab never fails on something the server accepted.
"""

from __future__ import annotations

import sys

from pydantic import BaseModel, ConfigDict

from ..config import Config
from ..detail import comparisons
from ..queue import QueueSpec
from ..queue.window import preload
from ..store import connect


class TabSpec(BaseModel):
    """One tab's review session, as `swapview serve` resolved it."""

    model_config = ConfigDict(extra="forbid")
    db_path: str
    reviewer: str | None = None  # None: the tab asks who is reviewing
    comparison_id: int
    order: str
    seed: int = 0
    untagged: bool = False
    theme: str | None = None
    resume: bool = True
    config: Config = Config()


def run(spec: TabSpec) -> None:
    conn = connect(spec.db_path)
    try:
        comps = comparisons(conn)
    finally:
        conn.close()
    qspec = QueueSpec(
        order=spec.order, seed=spec.seed, comparison_id=spec.comparison_id, untagged=spec.untagged
    )
    # With the name known, the first queue read runs while Textual imports (as `swapview
    # review` does); a tab that asks for the name reads once it has it, to resume there.
    first = (
        preload(spec.db_path, qspec, spec.reviewer if spec.resume else None)
        if spec.reviewer
        else None
    )
    from ..tui import ReviewContext  # Textual loads in the tab process only
    from .app import BrowserReviewApp

    context = ReviewContext(
        db_path=spec.db_path,
        reviewer=spec.reviewer or "",
        spec=qspec,
        config=spec.config,
        resume=spec.resume,
        comparisons=comps,
        preloaded=first,
    )
    BrowserReviewApp(context, theme=spec.theme).run()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.exit("usage: python -m swapview.web.tab SPEC_JSON (started by `swapview serve`)")
    run(TabSpec.model_validate_json(args[0]))


if __name__ == "__main__":
    main()
