"""The review screen's actions: what each key does."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database
from textual.app import SuspendNotSupported, SystemCommand

from .. import queue, reviews
from ..queue import status as facets
from ..queue.search import SearchResult
from ..queue.spec import with_meta_filter
from ..textsafe import visible
from .modals import AskLine, HelpScreen, NoteEditor, Picker
from .panels import PROMPT_MODES

if TYPE_CHECKING:
    from .review_screen import ReviewScreen

_NEEDS_ROW = {"tag", "note", "note_external"}


class ActionsMixin:
    """Mixed into ReviewScreen; ``self`` is the screen."""

    # ----- moving
    def action_move(self: ReviewScreen, delta: int) -> None:
        self.pair_list.move_cursor(delta)

    def action_move_page(self: ReviewScreen, direction: int) -> None:
        self.pair_list.move_cursor(direction * max(self.pair_list.size.height - 1, 1))

    def action_goto(self: ReviewScreen, where: str) -> None:
        self.pair_list.set_cursor(0 if where == "first" else self.total - 1)

    def action_scroll_diff(self: ReviewScreen, unit: str, direction: int) -> None:
        view = self.diff_view
        if unit == "page":
            view.scroll_to(
                y=view.scroll_y + direction * max(view.size.height - 1, 1), animate=False
            )
        elif unit == "line":
            view.scroll_to(y=view.scroll_y + direction, animate=False)
        else:
            view.scroll_to(x=view.scroll_x + direction * 8, animate=False)

    def action_scroll_prompt(self: ReviewScreen) -> None:
        self.query_one("#prompt").page_down()

    # ----- deciding
    def action_tag(self: ReviewScreen, name: str) -> None:
        row = self.pair_list.cursor_row
        if row is None:
            return
        tag = name or None
        self.pair_list.set_pending(row.pair_id, tag)
        if self.detail is not None and self.detail.pair_id == row.pair_id:
            self._show_detail(self.detail)
        self.session.tag(row.pair_id, tag)
        if tag is not None:
            self.pair_list.move_cursor(1)

    def action_undo(self: ReviewScreen) -> None:
        self.session.undo()

    def action_redo(self: ReviewScreen) -> None:
        self.session.redo()

    def action_note(
        self: ReviewScreen, text: str | None = None, warning: str | None = None
    ) -> None:
        d = self.detail
        if d is None:
            return
        pair_id = d.pair_id

        def saved(new: str | None) -> None:
            if new is not None and new != (d.note or ""):
                self.session.note(pair_id, new.strip() or None)

        self.app.push_screen(
            NoteEditor(
                f"Note on {d.key}",
                d.note if text is None else text,
                lambda: self._note_conflict(pair_id, d.note),
                warning,
            ),
            saved,
        )

    def _note_conflict(self: ReviewScreen, pair_id: int, opened: str | None) -> str | None:
        """Why saving now would overwrite a note changed since ``opened`` was read."""
        now = reviews.current(Database(self.conn), pair_id)
        stored = now.note if now is not None else None
        if (stored or "") == (opened or ""):
            return None
        who = now.reviewer if now is not None else "someone"
        shown = " ".join((stored or "").split())
        shown = f'"{shown[:60]}…"' if len(shown) > 60 else f'"{shown}"' if shown else "none"
        return f"not saved: {who} changed this note since you opened it (now: {shown})"

    def action_note_external(self: ReviewScreen) -> None:
        d = self.detail
        if d is None:
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        # Resolve the command before suspending: textual's suspend() has no finally, so an
        # exception inside it would leave the terminal handed over and the app blank.
        command, problem = _editor_command(editor)
        if command is None:
            self.notify(
                f"cannot run {editor}: {problem}; using the inline editor",
                severity="error",
                markup=False,
            )
            self.action_note()
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"note-{d.pair_id}.txt"
            path.write_text(d.note or "", encoding="utf-8")
            try:
                with self.app.suspend():
                    code, error = _run_editor(command, path)
            except SuspendNotSupported:
                self.notify(
                    "This terminal cannot hand over to $EDITOR; using the inline editor.",
                    markup=False,
                )
                self.action_note()
                return
            if error is not None:
                self.notify(
                    f"cannot run {editor}: {error}; using the inline editor",
                    severity="error",
                    markup=False,
                )
                self.action_note()
                return
            text = path.read_text(encoding="utf-8")
        if code != 0 or text.strip() == (d.note or "").strip():
            return
        warning = self._note_conflict(d.pair_id, d.note)
        if warning:  # someone saved a note meanwhile: let the reviewer choose in the editor
            self.action_note(text, warning)
            return
        self.session.note(d.pair_id, text.strip() or None)

    # ----- views
    def action_toggle(self: ReviewScreen, what: str) -> None:
        if what == "unified":
            self.unified = not self.unified
            self.diff_view.set_mode(unified=self.unified)
        elif what == "wrap":
            self.wrap = not self.wrap
            self.diff_view.set_mode(wrap=self.wrap)
            # The diff titles say so too, but a narrow terminal cuts that part off.
            self.notify(
                "wrap on" if self.wrap else "wrap off (h/l scroll sideways)",
                markup=False,
                timeout=2,
            )
        elif what == "ignore_ws":
            self.ignore_ws = not self.ignore_ws
            if self.detail is not None:
                self._show_pair(self.detail.pair_id)
            self.notify(
                "whitespace and reflow ignored" if self.ignore_ws else "whitespace shown",
                markup=False,
                timeout=2,
            )
        elif what == "prompt":
            modes = PROMPT_MODES
            self.prompt_mode = modes[(modes.index(self.prompt_mode) + 1) % len(modes)]
            self.query_one("#prompt").show(self.detail, self.prompt_mode)
        self._update_titles()
        self.refresh_bindings()

    # ----- the queue
    def set_spec(self: ReviewScreen, spec: queue.QueueSpec, keep: bool = True) -> None:
        """Show another queue; with ``keep`` the cursor stays on its pair if still there,
        else starts at the top."""
        self.spec = spec
        self.reload(keep=keep, fallback=0)
        self.request_refit()

    def action_toggle_untagged(self: ReviewScreen) -> None:
        self.set_spec(self.spec.with_(untagged=not self.spec.untagged))

    def action_clear_filters(self: ReviewScreen) -> None:
        self.set_spec(
            queue.QueueSpec(
                order=self.spec.order, seed=self.spec.seed, comparison_id=self.spec.comparison_id
            )
        )

    def action_reload(self: ReviewScreen) -> None:
        self.reload()

    def action_pick_order(self: ReviewScreen) -> None:
        choices = [(o.name, f"{o.name}: {o.label}") for o in queue.available_orders(self.conn)]

        def chosen(name: str | None) -> None:
            if name:
                self.set_spec(self.spec.with_(order=name), keep=False)

        self.app.push_screen(Picker("Order the queue by", choices, self.spec.order), chosen)

    def action_pick_filter(self: ReviewScreen) -> None:
        self.app.push_screen(
            Picker("Filter the queue", self._filter_choices()), self._filter_chosen
        )

    def _filter_choices(self: ReviewScreen) -> list[tuple[str, str]]:
        c = [
            ("clear", "all pairs (clear filters)"),
            ("untagged", ("✓ " if self.spec.untagged else "") + "untagged only"),
        ]
        tags = [t.name for t in self.tags]
        tags += [t for t in facets.tag_names(self.conn) if t not in tags]
        c += [(f"tag:{t}", f"tagged {t}") for t in tags]
        c += [(f"signal:{s}", f"signal {s}") for s in facets.signal_names(self.conn)]
        c += [("meta", "metadata field = value …")]
        c += [
            (f"comparison:{cid}", f"comparison {name} ({base or '?'} → {cand or '?'})")
            for cid, name, base, cand in self.context.comparisons
        ]
        if len(self.context.comparisons) > 1:
            c.append(("comparison:all", "all comparisons"))
        return c

    def _filter_chosen(self: ReviewScreen, choice: str | None) -> None:
        if not choice:
            return
        kind, _, value = choice.partition(":")
        spec = self.spec
        if kind == "clear":
            return self.action_clear_filters()
        if kind == "untagged":
            return self.action_toggle_untagged()
        if kind == "tag":
            return self.set_spec(spec.with_(tag=value, untagged=False))
        if kind == "signal":
            return self.set_spec(spec.with_(signal=value))
        if kind == "comparison":
            cid = None if value == "all" else int(value)
            return self.set_spec(spec.with_(comparison_id=cid, ids=None, search=None))
        fields = ", ".join(facets.metadata_fields(self.conn, spec.comparison_id)[:8])
        self.app.push_screen(
            AskLine("Metadata filter: field=value", f"e.g. {fields}" if fields else "lang=en"),
            self._meta_chosen,
        )

    def _meta_chosen(self: ReviewScreen, text: str | None) -> None:
        if not text:
            return
        field, sep, value = text.partition("=")
        if not sep or not field.strip():
            self.notify("write it as field=value", severity="warning", markup=False)
            return
        spec = with_meta_filter(self.conn, self.spec, field.strip(), value.strip())
        self.set_spec(spec)

    def action_search(self: ReviewScreen) -> None:
        def asked(text: str | None) -> None:
            if text is None:
                return
            if not text.strip():
                self.set_spec(self.spec.with_(ids=None, search=None))
                return
            self.notify("searching…", markup=False, timeout=2)
            self.search_worker(text.strip(), self.spec.comparison_id)

        self.app.push_screen(
            AskLine(
                "Fuzzy search in keys, prompts and outputs (empty clears)",
                value=self.spec.search or "",
            ),
            asked,
        )

    def search_finished(self: ReviewScreen, query: str, result: SearchResult) -> None:
        if not result.ids:
            self.notify(
                f"no match for {query!r} in {result.scanned:,} pairs",
                markup=False,
                severity="warning",
            )
            return
        more = "" if result.complete else " (first matches; narrow the search for more)"
        self.notify(f"{len(result.ids):,} matches for {query!r}{more}", markup=False)
        self.set_spec(self.spec.with_(ids=result.ids, search=query))

    def action_jump(self: ReviewScreen) -> None:
        self.app.push_screen(AskLine("Jump to key (or a key prefix)"), self._jump_to)

    def _jump_to(self: ReviewScreen, key: str | None) -> None:
        if not key:
            return
        pid = queue.find_key(self.conn, self.spec.comparison_id, key.strip())
        if pid is None:
            self.notify(f"no key {key!r}", severity="warning", markup=False)
        elif queue.row_for(self.conn, self.spec, pid) is None:
            self.notify(
                f"{key!r} is not in this queue (filter: "
                f"{self.spec.describe_filters()}); F clears filters",
                severity="warning",
                markup=False,
            )
        else:
            self.reload(target=pid)

    def action_help(self: ReviewScreen) -> None:
        self.app.push_screen(HelpScreen(self.key_rows()))

    def action_quit_review(self: ReviewScreen) -> None:
        self.app.exit()

    # ----- introspection for help and the command palette
    def key_rows(self: ReviewScreen) -> list[tuple[str, str, str]]:
        """(keys, what they do, binding id: the name a config's [keys] table remaps)."""
        return [
            (key, binding.description, binding.id or "") for key, binding in self._key_bindings()
        ]

    def _key_bindings(self: ReviewScreen):
        seen: dict[str, tuple[list[str], object]] = {}
        for key, active in self.active_bindings.items():
            b = active.binding
            if active.node is not self or not b.description or not b.id:
                continue  # only the review keys (ours all have ids, for remapping)
            entry = seen.setdefault(b.id or b.action, ([], b))
            entry[0].append(self.app.get_key_display(b.with_key(key)))
        return [(", ".join(keys), b) for keys, b in seen.values()]

    def system_commands(self: ReviewScreen) -> Iterable[SystemCommand]:
        for keys, b in self._key_bindings():
            if b.action.startswith(("move", "scroll_diff", "goto")):
                continue
            yield SystemCommand(
                visible(b.description), f"key: {keys}", lambda a=b.action: self.run_action(a)
            )

    def check_action(self: ReviewScreen, action: str, parameters: tuple) -> bool | None:
        if action == "undo":
            return self.session.can_undo or None
        if action == "redo":
            return self.session.can_redo or None
        if action == "scroll_diff" and parameters and parameters[0] == "x":
            return (not self.wrap) or None
        if action in _NEEDS_ROW:
            return (self.pair_list.cursor_row is not None) or None
        return True


def _editor_command(editor: str) -> tuple[list[str] | None, str]:
    """The editor as an argv with its program resolved, or None and why not."""
    try:
        words = shlex.split(editor)
    except ValueError as exc:
        return None, str(exc)
    if not words:
        return None, "no editor set"
    program = shutil.which(words[0])
    if program is None:
        return None, "not found"
    return [program, *words[1:]], ""


def _run_editor(command: list[str], path: Path) -> tuple[int, str | None]:
    """Run the editor; never raises, so the suspended app always resumes."""
    try:
        return subprocess.call([*command, str(path)]), None
    except (OSError, subprocess.SubprocessError) as exc:
        return -1, str(exc)
