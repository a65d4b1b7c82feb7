"""The dominant language of a text's prose (#14, round 4): enough prose, mostly one language."""

from __future__ import annotations

import pytest

from swapview.scoring.language import dominant_language
from swapview.scoring.signals import compute_signals

EN = (
    "The harbour opens at seven in the morning, and the first ferry leaves at half past. If"
    " you want a seat on the deck, it is best to arrive early because the boat fills up fast."
)
FR = (
    "Le port ouvre à sept heures du matin, et le premier bateau part à sept heures et demie."
    " Si vous voulez une place sur le pont, il vaut mieux arriver tôt car le bateau est vite plein."
)
ES = (
    "El puerto abre a las siete de la mañana y el primer barco sale a las siete y media. Si"
    " quieres un asiento en la cubierta, es mejor llegar temprano porque el barco se llena pronto."
)
DE = (
    "Der Hafen öffnet um sieben Uhr morgens, und die erste Fähre fährt um halb acht. Wer einen"
    " Platz an Deck will, sollte früh kommen, denn das Schiff ist schnell voll."
)
KO = (
    "항구는 아침 일곱 시에 문을 열고 첫 배는 일곱 시 반에 출발합니다. 갑판에 앉고 싶다면 배가 빨리"
    " 차기 때문에 일찍 오는 것이 좋습니다."
)
TABLE = "| Day | Ferry | Time |\n|---|---|---|\n| Monday | Blue Star | 7:30 AM EST |\n" * 3
NAMES = "1. Blue Star - Captain Maria Lopez\n2. Sea Breeze - Captain Tom Reyes\n3. Gull - Anna Berg"
ADJECTIVES = "a. **Reliable, punctual, comfortable, scenic, affordable, friendly, clean, quick**"
NOTATION = "The tune:\n\nA: G: Em: D: C: G: Em: D: C: G: Em: D: C: G: Em: D: C: G: Em: D: C:"
MIXED = FR + "\n\n" + EN + "\n\n" + EN.replace("seven", "eight")  # a translation, then notes

DOMINANT = [
    ("english", EN, "en"),
    ("french", FR, "fr"),
    ("spanish", ES, "es"),
    ("german nouns are capitalised", DE, "de"),
    ("korean", KO, "ko"),
    ("a table has no language", TABLE, None),
    ("a name list has no language", NAMES, None),
    ("a comma list has no language", ADJECTIVES, None),
    ("notation is no portuguese", NOTATION, None),
    ("too little prose", "The ferry is late.", None),
    ("half english, half korean", EN + "\n\n" + KO, None),
    ("a translation with more english notes", MIXED, "en"),
    ("prose around a table keeps its language", EN + "\n\n" + TABLE + "\n" + EN, "en"),
    ("drift late in a long answer", EN * 2 + ("\n\n" + KO) * 12, "ko"),
]


@pytest.mark.parametrize("text,lang", [r[1:] for r in DOMINANT], ids=[r[0] for r in DOMINANT])
def test_dominant_language(text, lang):
    assert dominant_language(text) == lang


PAIRS = [
    ("english to french", EN, FR, True),
    ("spanish to english", ES, EN, True),
    ("english to korean", EN, KO, True),
    ("table to prose is no change", TABLE, EN, False),
    ("adjective list to prose is no change", ADJECTIVES + "\n" + NAMES, EN, False),
    ("notation to prose is no change", NOTATION, EN, False),
    ("a bilingual answer is no change", EN, EN + "\n\n" + KO, False),
    ("same language, other words", EN, EN.replace("harbour", "port"), False),
]


@pytest.mark.parametrize(
    "baseline,candidate,changed", [r[1:] for r in PAIRS], ids=[r[0] for r in PAIRS]
)
def test_language_changed_needs_prose_mostly_in_one_language(baseline, candidate, changed):
    names = {s.name for s in compute_signals(baseline, candidate)}
    assert ("language_changed" in names) is changed
