"""The review queue: orders, filters, keyset pages, counts, progress and search (no UI)."""

from .orders import DEFAULT_ORDER, ORDERS, Order, available_orders, get_order, register
from .paging import (
    QueueRow,
    Shape,
    SortKey,
    count,
    find_key,
    page_after,
    page_at,
    page_before,
    position,
    row_for,
    shape,
    sort_key,
)
from .spec import QueueSpec
from .status import Progress, decisions_for, progress

__all__ = [
    "DEFAULT_ORDER",
    "ORDERS",
    "Order",
    "Progress",
    "QueueRow",
    "QueueSpec",
    "Shape",
    "SortKey",
    "available_orders",
    "count",
    "decisions_for",
    "find_key",
    "get_order",
    "page_after",
    "page_at",
    "page_before",
    "position",
    "progress",
    "register",
    "row_for",
    "shape",
    "sort_key",
]
