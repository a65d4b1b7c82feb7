"""Where a text stops (#14, round 4): a cut shows in the text, a missing full stop does not."""

from __future__ import annotations

import pytest

from swapview.scoring.signals import compute_signals
from swapview.scoring.truncation import stops_short, unfinished_reason

STORY = (
    "The lighthouse keeper climbed the stairs every evening at six. He wiped the lens, lit"
    " the lamp and wrote the weather in his book."
)

CUT = [
    ("article", STORY + " On the last night of the year he saw a ship near the", "mid-sentence"),
    ("conjunction", STORY + " The wind rose, the rain came and", "mid-sentence"),
    ("such as", STORY + " He kept spare parts for everything, such as", "mid-sentence"),
    ("contraction", STORY + " When the storm came, it's", "mid-sentence"),
    ("modal", STORY + " The logbook says that some of the ships listed may", "mid-sentence"),
    ("comma", STORY + " He waited by the window,", "mid-sentence"),
    ("dash", STORY + " The bell rang twice —", "mid-sentence"),
    ("odd slash", STORY + "\n\nNext, connect the repository to CI/", "mid-sentence"),
    ("cut word", STORY + " He polished the lantern and trimmed the lante", "mid-word"),
    ("open quote", STORY + ' His last entry reads: "The sea is calm and the', "open bracket"),
    ("open paren", STORY + " He used a heavy cloth (wool, he said, because", "open bracket"),
    ("colon", STORY + "\n\nHere is the entry from his book for that night:", "announces"),
    (
        "code block",
        "Run this:\n\n```python\ndef lamp(on):\n    if on:\n        light(",
        "code block",
    ),
    (
        "python block header",
        "Run this:\n\n```python\nimport sys\n\nif __name__ == '__main__':",
        "code block",
    ),
    (
        "c-like header",
        "In C#:\n\n```csharp\nvar a = 1;\nvar b = 2;\nvar c = a + b;\n\npublic class Lamp",
        "code block",
    ),
    ("table row", "| day | wind |\n|---|---|\n| Monday | strong |\n| Tuesday | lig", "table row"),
    ("json", '{"answer": "The lamp is lit at six every', "JSON"),
]

COMPLETE = [
    ("full stop", STORY),
    ("no final stop on a noun", STORY + " He never missed a single night in forty years"),
    ("stranded preposition in a list", "Ways to say it:\nwhat we hoped for\nwhat we waited for"),
    ("preposition after a pronoun", STORY + " Ask him anything you like"),
    ("verse lines", "The lamp is lit\nThe sea is wide\nAnd in every measure, you are with me"),
    ("a url", STORY + " More at https://example.org/lighthouses/keepers.html"),
    ("a hashtag", STORY + " Proud of him #lighthouse #keeper"),
    ("a signature with a placeholder", STORY + "\n\nYours in the service,\n\n[Your Name]\nKeeper"),
    ("a valediction inside the line", STORY + " Best regards,<br>The Keepers' Team"),
    ("a pronunciation", "lighthouse\n\n/ˈlaɪt.haʊs/"),
    ("a number", STORY + " The total for the year was 365"),
    ("rows of one style", "lamp, 2, 40,\nlens, 1, 90,\noil, 5, 12,"),
    ("a spelling", "1. lamp - L, A, M, P\n2. ray - R, A, Y"),
    ("a rule", STORY + "\n\n---"),
    ("nested fences", "```markdown\nUse this:\n\n```python\nprint('hi')\n```"),
    ("code whose closing fence was left off", "Use:\n\n```python\ndef lamp():\n    return True"),
    ("a loop cut by the limit", "```\n" + "ACGT" * 60),
    ("a template starting with a bracket", "[Your Name]\n[Your Address]\n\nDear Sir or Madam"),
    ("notation", "The tune goes:\n\nG: Em: D: C: G: Em: D: C:"),
    ("ascii art", "Here is a cat:\n\n /\\_/\\\n( o.o )\n  (__/"),
]


@pytest.mark.parametrize("text,reason", [r[1:] for r in CUT], ids=[r[0] for r in CUT])
def test_cut_endings_are_named(text, reason):
    found = unfinished_reason(text)
    assert found is not None and reason in found


@pytest.mark.parametrize("text", [r[1] for r in COMPLETE], ids=[r[0] for r in COMPLETE])
def test_complete_endings_are_no_cut(text):
    assert unfinished_reason(text) is None


BASELINE = (
    "Mara from Harbour Books asked about the lamp order. Per Ines, the lamps ship on Monday"
    " and arrive within three days. The customer thanked us and the ticket is closed."
)
SHORT_CASES = [
    (
        "short reply cut on a noun",
        BASELINE,
        "Mara asked about the lamp order. Per Ines, the lamps",
        True,
    ),
    ("as long as the baseline", BASELINE, BASELINE.rstrip("."), False),
    (
        "baseline itself unpunctuated",
        BASELINE.rstrip("."),
        "Mara asked about it. Per Ines, the lamps",
        False,
    ),
    (
        "a long answer needs a sure sign",
        BASELINE * 8,
        STORY * 3 + " He never missed a night",
        False,
    ),
]


@pytest.mark.parametrize(
    "baseline,candidate,fires", [r[1:] for r in SHORT_CASES], ids=[r[0] for r in SHORT_CASES]
)
def test_a_bare_missing_stop_needs_a_longer_clean_baseline(baseline, candidate, fires):
    assert (stops_short(candidate, baseline) is not None) is fires
    names = {s.name for s in compute_signals(baseline, candidate)}
    assert ("truncated" in names) is fires


def test_same_cut_on_both_sides_is_style():
    cut = STORY + " He waited by the"
    assert unfinished_reason(cut)
    assert "truncated" not in {s.name for s in compute_signals(cut, cut + " window and")}
