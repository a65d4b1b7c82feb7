"""A footer that fits its width: compact spacing first, then the keys help also lists
dropped in a fixed order, so the tag keys and ? Help stay in view at 80 columns."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Actions whose footer keys go first when the footer is too narrow; the tags and help stay.
DROP_ORDER = (
    "shift_view",
    "pick_order",
    "pick_filter",
    "search",
    "note",
    "palette",
    "move",
    "undo",
)
PALETTE = "palette"
# Cells a key takes besides its key and description: " k desc " (roomy), or "k desc" and
# a margin (compact); the palette key's border takes the place of the space or margin.
ROOMY_EXTRA, COMPACT_EXTRA = 3, 2


def key_cells(key: str, description: str, compact: bool) -> int:
    return cell_len(key) + cell_len(description) + (COMPACT_EXTRA if compact else ROOMY_EXTRA)


def fit_keys(keys: list[tuple[str, str, str]], width: int) -> tuple[bool, list[int]]:
    """(compact, indexes of the keys kept) for (action, key, description) triples."""

    def cells(i: int, compact: bool) -> int:
        _action, key, desc = keys[i]
        return key_cells(key, desc, compact)

    kept = list(range(len(keys)))
    if sum(cells(i, False) for i in kept) <= width:
        return False, kept
    for name in DROP_ORDER:
        if sum(cells(i, True) for i in kept) <= width:
            break
        kept = [i for i in kept if _base(keys[i][0]) != name]
    return True, kept


def _base(action: str) -> str:
    return action.split("(", 1)[0]


class FittedFooter(Footer):
    """Textual's footer, laid out to fit (see ``fit_keys``)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._fitted_width = 0

    def compose(self) -> ComposeResult:
        widgets: list[Widget] = list(super().compose())
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        width = self.size.width or self.app.size.width
        self._fitted_width = width
        triples = [(_action(k), k.key_display, k.description) for k in keys]
        compact, kept = fit_keys(triples, width)
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        keep = {id(keys[i]) for i in kept}
        yield from (w for w in widgets if not isinstance(w, FooterKey) or id(w) in keep)

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._fitted_width and self._bindings_ready:
            self.call_after_refresh(self.recompose)


def _action(key: FooterKey) -> str:
    return PALETTE if key.has_class("-command-palette") else key.action
