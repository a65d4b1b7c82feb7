"""The confirmation before tagging a whole cluster; returns the chosen tag via dismiss()."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..config import TagConfig
from ..textsafe import visible


class ConfirmClusterTag(ModalScreen[str | None]):
    """ "Tag 14 pairs in this cluster as regression? They share: ..."; enter confirms, a
    tag key picks another tag, escape cancels."""

    BINDINGS = [
        Binding("enter,y", "confirm", "Tag them", id="cluster_confirm"),
        Binding("escape", "cancel", "Cancel", id="cluster_cancel"),
    ]

    def __init__(
        self,
        count: int,
        reviewed: int,
        shared: str,
        tag: str,
        tags: list[TagConfig],
        keys: dict[str, str],
    ) -> None:
        super().__init__()
        self.count = count
        self.reviewed = reviewed
        self.shared = shared
        self.tag = tag
        self._keys = keys  # tag name -> the key that tags it on the review screen
        # The tag keys of the review screen pick the tag here too; the same binding ids,
        # so a remap in the config applies to both.
        extra = [
            Binding(t.key, f"pick('{t.name}')", show=False, id=f"tag_{t.name}")
            for t in tags
            if t.name != "skip"
        ]
        for key, bindings in BindingsMap(extra).key_to_bindings.items():
            self._bindings.key_to_bindings.setdefault(key, []).extend(bindings)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="small"):
            yield Static(self._question(), id="cluster-question", classes="dialog-title")
            yield Static(Content(f"They share: {visible(self.shared)}"), id="cluster-shared")
            if self.reviewed:
                yield Static(
                    f"{self.reviewed:,} already reviewed keep their tags.", classes="dialog-help"
                )
            keys = " ".join(k for name, k in self._keys.items() if name != "skip")
            yield Static(
                f"enter tag them · {keys} another tag · escape cancel", classes="dialog-help"
            )

    def _question(self) -> Content:
        noun = "pair" if self.count == 1 else "pairs"
        return Content(f"Tag {self.count:,} {noun} in this cluster as {visible(self.tag)}?")

    def action_pick(self, name: str) -> None:
        self.tag = name
        self.query_one("#cluster-question", Static).update(self._question())

    def action_confirm(self) -> None:
        self.dismiss(self.tag)

    def action_cancel(self) -> None:
        self.dismiss(None)
