"""Where escape goes back to: the queues a reviewer narrowed from (no Textual).

"More like this" (``m``) and a band's sample (``S``) show a short queue in place of
the one the reviewer was in; escape returns to that queue, on the pair it was on.
"""

from __future__ import annotations

from typing import NamedTuple

from ..queue import QueueSpec


class Place(NamedTuple):
    """A queue and where its cursor was: on ``pair_id``, else at row ``row``."""

    spec: QueueSpec
    pair_id: int | None
    row: int


class QueueHistory:
    """A back stack of places; the newest is where escape goes."""

    def __init__(self) -> None:
        self._places: list[Place] = []

    def push(self, spec: QueueSpec, pair_id: int | None, row: int) -> None:
        self._places.append(Place(spec, pair_id, row))

    def pop(self) -> Place | None:
        """The place to go back to (None: nowhere, the reviewer is in the first queue)."""
        return self._places.pop() if self._places else None

    def __len__(self) -> int:
        return len(self._places)

    def __bool__(self) -> bool:
        return bool(self._places)
