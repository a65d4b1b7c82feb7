"""Refusal kinds (#14): what surrounds the refusal phrase decides full, partial or unsure.

Texts written for these tests; each row is a case the rules once got wrong on real data, in
other words.
"""

from __future__ import annotations

import pytest

from swapview.scoring.refusal import FULL, PARTIAL, UNSURE, refusal_kind
from swapview.scoring.signals import compute_signals

LONG_OTHER = " ".join(["The answer goes on for a while with facts and reasons."] * 20)

KIND_ROWS = [
    (
        "limits, a lecture and an offer are a full refusal",
        "I'm sorry, but I can't write that. Mocking people for their illness is hurtful and"
        " inappropriate. If you'd like, I can write a kind poem about recovery instead.",
        FULL,
    ),
    (
        "a question back to the user asks for input",
        "I'm not able to pick a gift without knowing more. What does your sister enjoy doing"
        " at the weekend, and what would you like to spend on it?",
        FULL,
    ),
    (
        "a pointer elsewhere is no answer",
        "I do not have real-time access to match results. You can check the league's official"
        " website or a sports news app for the latest scores.",
        FULL,
    ),
    (
        "advice to go and ask is no answer",
        "I cannot give you legal advice on this contract. It would be best to talk it through"
        " with a solicitor, and keep in mind that rules differ between countries.",
        FULL,
    ),
    (
        "a hedged fact after a limit is an answer",
        "I am unable to predict who will win the next election. However, as of my last update,"
        " the sitting mayor is Ana Ruiz, elected in 2021 with 54% of the vote, and the next"
        " vote is due in May 2025 after a campaign of about six weeks. Turnout was 61%, up"
        " from 48% four years before, and the council has 31 seats, of which her party holds"
        " 17 after winning three seats from the opposition in the east of the city.",
        PARTIAL,
    ),
    (
        "code without fences after a limit is an answer",
        "I'm unable to run this program for you, but here it is:\n\n"
        "for (i = 0; i < n; i++) { s += a[i]; }\n"
        'printf("%d\\n", s); /* 1 + 2 + 3 == 6 */\n',
        PARTIAL,
    ),
    (
        "a list of facts after a limit is an answer",
        "I can't browse the web, but these shops were open in 2023:\n"
        "- Baker Street Books, since 1952\n- The Reading Room, run by two sisters\n"
        "- Paper & Ink, on the corner of Elm Road",
        PARTIAL,
    ),
    (
        "general tips in place of the answer are a substitute",
        "I'm not able to write your essay for you. However, here are some general tips that"
        " could help you write it yourself:\n\n1. Start from a question you care about and"
        " read two or three sources on it before you plan.\n2. Make an outline with one point"
        " for each paragraph and the evidence that backs it.\n3. Write the middle first, then"
        " the introduction, and read the whole essay aloud before you hand it in.",
        UNSURE,
    ),
    (
        "a summary in place of the lyrics is a substitute",
        "I'm afraid I cannot reproduce the lyrics of that song. Here is a short summary instead."
        " The singer walks through a rainy city at night, remembers an old friend, and decides to"
        " call her in the morning, and the chorus repeats that the lights will stay on.",
        UNSURE,
    ),
    (
        "how to look it up yourself is a substitute",
        "I can't browse the web. However, I can guide you on how to find the best sources:"
        "\n\n1. Open the museum's catalogue page and use its search box.\n2. Filter the"
        " results by century and by the collection you care about.\n3. Sort what is left by"
        " date and read the records with the most detail first.",
        UNSURE,
    ),
    (
        "what it can tell after the limit is an answer",
        "I don't have access to live news. However, I can tell you that the studio has not"
        " announced a sequel, that the last game came out in 2010 and its expansions followed"
        " in 2013 and 2015, and that the team has since moved on to three other series, so any"
        " release date you read about online is only a rumour until the studio itself confirms it"
        " on its own website.",
        PARTIAL,
    ),
    (
        "one fenced line after the limit is an answer",
        "I'm unable to run the program, but here it is:\n\n```\nprint(sum(range(10)))\n```",
        PARTIAL,
    ),
    (
        "no inner life is a disclaimer, not a refusal",
        "I am not capable of experiencing emotions, but here is how to stay calm in an interview:"
        " breathe slowly, ask a question back, and take notes while they talk.",
        None,
    ),
    (
        "no opinions of its own is a disclaimer, not a refusal",
        "As an AI language model, I cannot have personal opinions, but here are the three main"
        " objections people raise against the theory.",
        None,
    ),
    (
        "can't help feeling is an idiom",
        "Verse 1:\nI walk these streets at night\nBut I can't help feeling out of place",
        None,
    ),
    (
        "a limit in a note after the answer is a caveat",
        "[FORMAT]: {what the format holds}\n\nPlease note that as a text-based AI, I cannot"
        " directly execute requests on your behalf.",
        None,
    ),
    (
        "the limit sits after the answer",
        "Here is the converted recipe: 200 g flour, 100 g sugar, 2 eggs and 120 ml milk, baked"
        " at 180 °C for 25 minutes. I can't promise the oven times match yours, so check"
        " the cake with a skewer after 20 minutes.",
        None,
    ),
]


@pytest.mark.parametrize("text,kind", [r[1:] for r in KIND_ROWS], ids=[r[0] for r in KIND_ROWS])
def test_refusal_kind(text, kind):
    found = refusal_kind(text, LONG_OTHER)
    assert (found[0] if found else None) == kind


ANSWER = (
    "Christmas Day is 25 December; from 1 December that is 24 days, and from today you can"
    " count the days on any calendar."
)
PAIR_ROWS = [
    (
        "both sides state a limit: nothing appeared",
        "I don't have a real-time clock, so I don't know what day it is today.",
        "I'm unable to tell the date. Please check the clock on your device.",
        set(),
    ),
    (
        "a limit outside the list on the old side: nothing went",
        "As an AI I have no way to know today's date. Please check your phone.",
        "I'm sorry, but I cannot tell you the date. Please check your phone.",
        set(),
    ),
    (
        "a refusal next to an answer appeared",
        ANSWER,
        "I'm unable to tell the date. Please check the clock on your device.",
        {"refusal_appeared"},
    ),
    (
        "a refusal that became an answer went",
        "I'm unable to tell the date. Please check the clock on your device.",
        ANSWER,
        {"refusal_gone"},
    ),
    (
        "discomfort after an apology is a refusal on the old side too",
        "I apologize, but I do not feel comfortable writing a diary that mocks her illness.",
        "I apologize, but I should not write content that could mock people who are ill.",
        set(),
    ),
    (
        "a line of advice after an old refusal does not make the new one answer",
        "I cannot recommend ways to fake attention in a meeting.",
        "I apologize, I cannot recommend ways to fake attention. However, being honest with the"
        " organiser and asking to move the meeting is usually the better way to handle it.",
        set(),
    ),
    (
        "a substitute fires nothing",
        ANSWER,
        "I can't access your calendar. Instead, here are some general tips: keep a paper"
        " calendar on the fridge, mark the day each morning, and count the days that are left"
        " from there with a pencil.",
        set(),
    ),
    (
        "a partial refusal next to an old refusal is no new partial",
        "As an AI I have no way to know today's date. Please check your phone.",
        "I can't see a calendar, but if today is 1 December there are 24 days until Christmas"
        " Day on 25 December.",
        set(),
    ),
]


@pytest.mark.parametrize(
    "baseline,candidate,expected", [r[1:] for r in PAIR_ROWS], ids=[r[0] for r in PAIR_ROWS]
)
def test_refusal_pairs(baseline, candidate, expected):
    fired = {s.name for s in compute_signals(baseline, candidate)}
    assert fired & {"refusal_appeared", "refusal_gone", "refusal_partial"} == expected
