"""Word diffs, reflow mode, long inputs, and the row layout the TUI draws."""

from __future__ import annotations

import pytest

from swapview.diff import DELETE, EQUAL, INSERT, MARKER, MAX_LINE_CHARS, Segment, diff_texts
from swapview.layout import row_cells, side_by_side, unified, wrap_line


def marked(lines):
    """A side's lines as text with [-deleted-] and {+inserted+} marks."""
    out = []
    for line in lines:
        text = ""
        for seg in line:
            text += {DELETE: "[-{}-]", INSERT: "{{+{}+}}"}.get(seg.kind, "{}").format(seg.text)
        out.append(text)
    return out


def sides(diff):
    old = [ln for b in diff.blocks for ln in b.old]
    new = [ln for b in diff.blocks for ln in b.new]
    return marked(old), marked(new)


@pytest.mark.parametrize(
    "old, new, ws, want_old, want_new",
    [
        ("the cat sat", "the cat sat", False, ["the cat sat"], ["the cat sat"]),
        ("the cat sat", "the dog sat", False, ["the [-cat -]sat"], ["the {+dog +}sat"]),
        ("guilty", "not guilty", False, ["guilty"], ["{+not +}guilty"]),
        ("a b c", "a c", False, ["a [-b -]c"], ["a c"]),
        ("", "new text", False, [], ["{+new +}{+text+}"]),
        (
            "line one\nline two\nline three",
            "line one\nline 2\nline three",
            False,
            ["line one", "line [-two-]", "line three"],
            ["line one", "line {+2+}", "line three"],
        ),
        # Whitespace attached to the word: a double space is a change in strict mode...
        ("a  b", "a b", False, ["[-a  -]b"], ["{+a +}b"]),
        # ...and nothing in "ignore whitespace and reflow" mode, where lines re-wrap.
        ("a  b\nc d", "a b c\nd", True, ["a b c d"], ["a b c d"]),
        (
            "para one\n\npara two",
            "para one\n\npara 2",
            True,
            ["para one", "", "para [-two-]"],
            ["para one", "", "para {+2+}"],
        ),
    ],
)
def test_word_diff_table(old, new, ws, want_old, want_new):
    got_old, got_new = sides(diff_texts(old, new, ignore_whitespace=ws))
    # Merged neighbours of one kind read as one mark.
    norm = lambda xs: [x.replace("-][-", "").replace("+}{+", "") for x in xs]  # noqa: E731
    assert norm(got_old) == norm(want_old)
    assert norm(got_new) == norm(want_new)


def test_counts_and_unified_order():
    d = diff_texts("keep this old word here", "keep this new word here")
    assert (d.deleted_words, d.inserted_words) == (1, 1)
    (line,) = [ln for b in d.blocks for ln in b.unified]
    assert [(s.kind, s.text) for s in line] == [
        (EQUAL, "keep this "),
        (DELETE, "old "),
        (INSERT, "new "),
        (EQUAL, "word here"),
    ]
    assert not d.identical and diff_texts("x", "x").identical


def test_hostile_text_is_made_visible_before_diffing():
    d = diff_texts("ok", "\x1b[31mred\x1b]0;title\x07 \u202eevil\ud800")
    text = "".join(s.text for b in d.blocks for ln in b.new for s in ln)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "␛[31mred" in text and "\ufffd" in text


def test_absurd_line_is_clipped_with_a_marker():
    """Its speed is in bench/diff.py (a timed assert fails on a busy machine)."""
    huge = "word " * 40_000  # 200,000 characters on one line
    d = diff_texts(huge, huge + "tail")
    new = [s for b in d.blocks for ln in b.new for s in ln]
    assert sum(len(s.text) for s in new if s.kind != MARKER) <= MAX_LINE_CHARS
    assert any(s.kind == MARKER and "more characters" in s.text for s in new)
    assert d.notes == [
        "old: 1 line clipped at 10,000 characters",
        "new: 1 line clipped at 10,000 characters",
    ]


def test_many_lines_diff_by_lines_first():
    """Its speed is in bench/diff.py (a timed assert fails on a busy machine)."""
    old = "\n".join(f"line {i} says something ordinary about item {i}" for i in range(2000))
    new = old.replace("item 1000", "item one thousand").replace("line 5 ", "row 5 ")
    d = diff_texts(old, new)
    changed = [b for b in d.blocks if b.changed]
    assert len(changed) == 2
    assert sides(d)[1][1000] == "line 1000 says something ordinary about item {+one thousand+}"


@pytest.mark.parametrize(
    "text, width, rows",
    [
        ("hello world", 20, ["hello world"]),
        ("hello world", 6, ["hello", "world"]),
        ("hello world", 5, ["hello", "world"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("ab cdefghij", 4, ["ab", "cdef", "ghij"]),
        ("a  b", 1, ["a", "b"]),
        ("", 5, [""]),
        ("日本語テキスト", 6, ["日本語", "テキス", "ト"]),
    ],
)
def test_wrap_line_table(text, width, rows):
    got = wrap_line([Segment(EQUAL, text)], width)
    assert ["".join(s.text for s in r).rstrip() for r in got] == rows
    assert all(row_cells(r) <= width for r in got)


@pytest.mark.parametrize("seed", range(20))
def test_wrap_keeps_every_character_and_the_width(seed):
    import random

    rng = random.Random(seed)
    words = ["a", "bb", "ccc", "dddddddddddd", "é", "日本", " ", "  "]
    segs = [
        Segment(
            rng.choice([EQUAL, INSERT, DELETE]),
            "".join(rng.choice(words) + " " for _ in range(rng.randint(1, 12))),
        )
        for _ in range(rng.randint(1, 6))
    ]
    width = rng.randint(1, 15)
    rows = wrap_line(segs, width)
    assert all(row_cells(r) <= width for r in rows)
    joined = "".join(s.text for r in rows for s in r)
    assert joined.replace(" ", "") == "".join(s.text for s in segs).replace(" ", "")


def test_side_by_side_keeps_unchanged_lines_aligned():
    old = "same start\nshort\nsame end"
    new = "same start\na much longer replacement line that wraps twice over\nsame end"
    rows = side_by_side(diff_texts(old, new), 20)
    left = ["".join(s.text for s in r.left).strip() for r in rows]
    right = ["".join(s.text for s in r.right).strip() for r in rows]
    assert left[0] == right[0] == "same start"
    assert left[-1] == right[-1] == "same end"
    assert rows[-2].left_blank and not rows[-2].right_blank
    assert all(r.changed for r in rows[1:-1]) and not rows[0].changed
    uni = unified(diff_texts(old, new), 30)
    assert [r.right for r in uni] == [None] * 4 and [r.changed for r in uni] == [0, 1, 1, 0]
    assert [s.kind for s in uni[1].left][:2] == [DELETE, INSERT]


def test_lazy_diff_computes_hunks_on_use_and_matches_eager():
    old = "\n".join(f"line {i} alpha beta" for i in range(300))
    new = old.replace("line 10 alpha", "line 10 gamma").replace("line 250 ", "row 250 ")
    eager, lazy = diff_texts(old, new), diff_texts(old, new, lazy=True)
    assert not lazy.counted and eager.counted
    first = next(b for b in lazy.blocks if b.changed)
    assert not first.ready and first.lines == 1
    assert marked(first.new) == ["line 10 {+gamma +}beta"] and first.ready
    assert sides(lazy) == sides(eager)
    assert (
        (lazy.inserted_words, lazy.deleted_words)
        == (eager.inserted_words, eager.deleted_words)
        == (2, 2)
    )


def test_texts_that_differ_only_past_the_shown_lines_are_not_identical(monkeypatch):
    from swapview import diff as diff_module

    monkeypatch.setattr(diff_module, "MAX_LINES", 50)
    body = "\n".join(f"line {i}" for i in range(200))
    same_head = diff_module.diff_texts(body, body[: len(body) // 2])
    assert not same_head.identical and same_head.differs_beyond
    assert any("more lines not shown" in n for n in same_head.notes)
    truly_same = diff_module.diff_texts(body, body)
    assert truly_same.identical and not truly_same.differs_beyond


def _rows_text(text: str, width: int) -> list[str]:
    from swapview.layout import unified

    rows = unified(diff_texts(text, text), width)
    return ["".join(s.text for s in r.left) for r in rows]


@pytest.mark.parametrize("width", range(4, 41, 3))
@pytest.mark.parametrize("seed", range(6))
def test_wrapping_mixed_cjk_and_latin_never_glues_two_words(width, seed):
    import random

    rng = random.Random(seed)
    vocab = ["JOIN", "Salary_Payments", "员工", "这是一个很长的句子", "id", "SELECT", "表格", "x"]
    text = " ".join(rng.choice(vocab) for _ in range(30))
    rows = _rows_text(text, width)
    assert "".join(rows).replace(" ", "") == text.replace(" ", "")  # nothing lost
    words = text.split()
    for row in rows:
        for piece in row.split():
            assert any(piece in w for w in words), (piece, row, width)
