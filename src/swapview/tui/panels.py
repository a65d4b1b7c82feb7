"""The small panels around the diff: pair line with badges, prompt, note, titles.

Every string that comes from data is wrapped in ``Content`` (plain text, never parsed
as markup) after ``visible()``, so ``[@click=app.quit]`` in an output is just text.
"""

from __future__ import annotations

from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ..detail import PairDetail, chat_turns
from ..textsafe import visible

PROMPT_CHARS = 20_000  # a prompt longer than this is clipped in the panel, with a marker


def plain(text: str) -> Content:
    """Untrusted text as inert content."""
    return Content(visible(text))


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.0f}%"


def num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


class PairInfo(Horizontal):
    """One line: tag, key, scores, quirk badges, note mark."""

    def compose(self):
        yield Static(id="pair-tag")
        yield Static(id="pair-key")
        yield Static(id="pair-scores")
        yield Static(id="pair-badges")

    def show(self, d: PairDetail | None, pending: bool = False) -> None:
        tag = self.query_one("#pair-tag", Static)
        if d is None:
            for w in self.query(Static):
                w.update("")
            return
        label = "saving…" if pending else (d.tag or "untagged")
        tag.update(plain(f" {label} "))
        tag.set_classes(_tag_classes(None if pending else d.tag, pending))
        who = f" by {d.reviewer}" if d.tag and d.reviewer else ""
        self.query_one("#pair-key", Static).update(plain(f" {d.key}{who} "))
        stale = " · stale: outputs changed after the decision" if d.stale else ""
        scores = (
            f"semantic {num(d.semantic)} · lexical {num(d.lexical)} · length "
            f"{pct(d.length_change)}{stale}"
        )
        self.query_one("#pair-scores", Static).update(plain(scores))
        badges = self.query_one("#pair-badges", Static)
        badges.update(plain(" ".join(f"⚑ {name}" for name, _ in d.signals)))
        badges.display = bool(d.signals)


def _tag_classes(tag: str | None, pending: bool) -> str:
    if pending:
        return "tag tag-pending"
    if tag is None:
        return "tag tag-none"
    known = tag in ("regression", "improvement", "neutral", "skip")
    return f"tag tag-{tag}" if known else "tag tag-custom"


class NoteLine(Static):
    """The pair's note, when it has one."""

    def show(self, note: str | None) -> None:
        self.display = bool(note)
        if note:
            self.update(plain("✎ " + " ".join(note.split())))


class PromptPanel(VerticalScroll, can_focus=False):
    """The prompt (chat prompts as turns); collapses to one line."""

    def compose(self):
        yield Static(id="prompt-text")

    def show(self, d: PairDetail | None, collapsed: bool) -> None:
        self.set_class(collapsed, "collapsed")
        text = self.query_one("#prompt-text", Static)
        if d is None:
            text.update("")
            return
        turns = chat_turns(d.prompt)
        if collapsed:
            last = turns[-1][1] if turns else ""
            text.update(Content.assemble(
                ("▸ prompt ", "bold"), plain(" ".join(last.split())[:500])))
            return
        parts: list[Content | tuple[str, str]] = []
        budget = PROMPT_CHARS
        for role, body in turns:
            clipped = body[:budget]
            budget -= len(clipped)
            if parts:
                parts.append(Content("\n"))
            parts.append((f"{visible(role)}: ", "bold"))
            parts.append(plain(clipped))
            if len(clipped) < len(body):
                parts.append((f" … {len(body) - len(clipped):,} more characters", "italic"))
                break
        text.update(Content.assemble(*parts) if parts else Content("(no prompt)"))
        self.scroll_home(animate=False)


class DiffTitles(Vertical):
    """Model names over each column, the size of the change, and any clipping notes."""

    def compose(self):
        with Horizontal(id="title-row"):
            yield Static(id="old-title")
            yield Static(id="new-title")
        yield Static(id="diff-notes")

    def show(self, d: PairDetail | None, stats: str, unified: bool, mode: str,
             notes: list[str] | None = None) -> None:
        old = self.query_one("#old-title", Static)
        new = self.query_one("#new-title", Static)
        extra = self.query_one("#diff-notes", Static)
        extra.display = bool(notes)
        extra.update(plain("⚠ " + "; ".join(notes or [])))
        if d is None:
            old.update("")
            new.update("")
            return
        old_name = d.baseline_model or "old"
        new_name = d.candidate_model or "new"
        if unified:
            old.update(plain(f"− {old_name} → + {new_name} · {stats}{mode}"))
            new.display = False
            return
        new.display = True
        old.update(plain(f"− old: {old_name}"))
        new.update(plain(f"+ new: {new_name} · {stats}{mode}"))
