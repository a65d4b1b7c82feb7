"""Long texts read to the end: a vector made of windows at fixed places in the text.

Both local models read 256 tokens at a time. A text longer than that is cut into
WINDOWS windows of one model width each: the first, the last, and the rest spread
evenly between (they overlap when the text is shorter than WINDOWS widths). The text's
vector is the window vectors side by side, each unit length, scaled by 1/sqrt(WINDOWS),
so the cosine of two texts is the mean of the cosines of their aligned windows: the
head against the head, the end against the end. A rewritten last paragraph moves the
last window and the distance with it. A text within one width fills every slot with its
one vector, so its distances are exactly what the single-window model gave.
"""

from __future__ import annotations

import numpy as np

WINDOWS = 3
MAX_TEXT_TOKENS = 200_000  # input caps bound texts; this bounds one text's windows' cost


def spans(n_tokens: int, width: int, windows: int = WINDOWS) -> list[tuple[int, int]]:
    """[start, end) of each window over ``n_tokens`` content tokens."""
    if n_tokens <= width:
        return [(0, n_tokens)] * windows
    starts = np.linspace(0, n_tokens - width, windows).round().astype(int)
    return [(int(s), int(s) + width) for s in starts]


def window_ids(ids: list[int], width: int, windows: int = WINDOWS) -> list[list[int]]:
    """Each window's ids with the text's first and last special tokens ([CLS], [SEP])."""
    first, content, last = ids[:1], ids[1:-1], ids[-1:]
    return [first + content[a:b] + last for a, b in spans(len(content), width, windows)]


def join(window_vectors: np.ndarray) -> np.ndarray:
    """Unit window vectors (windows x dim) as one unit vector (windows * dim)."""
    windows = window_vectors.shape[0]
    return (window_vectors / np.sqrt(windows)).reshape(-1).astype(np.float32)
