"""Quirk signals as a table: one row per example, the exact set of signals expected."""

from __future__ import annotations

import gzip
import json

import pytest
from rapidfuzz.distance import Indel

from swapview.scoring.language import detect_language
from swapview.scoring.lexical import MAX_CELLS, length_change, lexical_distance, lexical_tokens
from swapview.scoring.signals import SIGNAL_NAMES, compute_signals

PROSE = (
    "The migration plan has three steps. First we copy the data to the new cluster, then we"
    " switch the readers, and finally we switch the writers once the lag is zero."
)
PROSE_CUT = PROSE.rsplit(",", 1)[0].replace(" and finally", "") + ", and finally we switch the"
SPANISH = (
    "El plan de migración tiene tres pasos. Primero copiamos los datos al nuevo clúster, luego"
    " cambiamos los lectores y por último los escritores cuando el retraso sea cero."
)
FRENCH = (
    "Le plan de migration comporte trois étapes. Nous copions les données vers le nouveau"
    " cluster, puis nous changeons les lecteurs et enfin les écrivains."
)
CHINESE = (
    "迁移计划分为三个步骤。首先我们把数据复制到新的集群，"
    "然后切换读取端，最后在延迟为零时切换写入端。"
)
JAPANESE = (
    "移行計画には三つの手順があります。"
    "まずデータを新しいクラスタにコピーし、次に読み取り側を切り替えます。"
)
RUSSIAN = "План миграции состоит из трёх шагов. Сначала мы копируем данные в новый кластер."
TABLE = "| name | qty |\n|------|-----|\n| apple | 3 |\n| pear | 5 |"
LIST = "Fruit we have:\n\n- apple: 3\n- pear: 5"
HEADED = "# Fruit\n\nWe have apples and pears in the store today, three and five of them."
CODE = "Use this:\n\n```python\nprint('hi')\n```\n\nThat prints a greeting to the screen."
# Cut inside the call: a block that ends on a whole statement may only lack its closing
# fence (round 4, tests/test_truncation.py), so the planted cut stops mid-statement.
OPEN_CODE = "Use this:\n\n```python\ndef greet(name):\n    print('hi', name,\n"

SQL = (
    "SELECT d.name\nFROM department d\nJOIN employee e ON d.id = e.department_id\n"
    "WHERE e.hired >= CURRENT_DATE - INTERVAL '3 months'\nGROUP BY d.id, d.name\n"
    "HAVING COUNT(*) > 10;"
)
CHINESE_SQL = (
    "上面的查询不正确，因为连接条件写错了，应该使用等于条件。以下是修正后的查询：\n\n" + SQL
)
CHINESE_FENCED_SQL = (
    "您的查询几乎正确，但需要调整连接方式和时间条件。以下是更正后的查询：\n\n```sql\n"
    + SQL
    + "\n```\n\n这个查询会返回员工超过十人的部门名称。"
)
CONTACTS = json.dumps(
    {
        "contacts": [
            {
                "name": n,
                "email": f"{n.split()[0].lower()}@{c.split()[0].lower()}.com",
                "company": c,
                "possible_company": f"{c.split()[0].lower()}.com",
                "office_phone": "562.903.9010 ext. 110",
            }
            for n, c in [
                ("Roberta Douglas", "Fry Electronics Inc."),
                ("Daron Mallard", "Blockbuster Inc."),
                ("Kim Ranger", "Fry Electronics Inc."),
                ("Jessica Plyzik", "Blockbuster Inc."),
            ]
        ]
    },
    indent=2,
)
CONTACTS_PROSE = (
    "I found four contacts in the email thread. Roberta Douglas, Daron Mallard and Kim Ranger"
    " work for Fry Electronics, and Jessica Plyzik works for Blockbuster. Only the first one"
    " gave an office phone number, and none of them gave a mobile number."
)
INDENTED_CODE = "Run this first:\n\n    x = compute(total) + offset\n    return x if x else None\n"

PACKAGE_PROSE = (
    "To set up the project, create a package.json that names the test script:\n\n```json\n"
    '{"name": "app", "scripts": {"test": "jest"}}\n```\n\nThen run npm install and npm test.'
)
RESET = "To reset your password, open Settings, then Security, then press Reset."

ROWS = [
    # (id, baseline, candidate, metadata, expected signal names)
    ("identical prose", PROSE, PROSE, None, set()),
    ("reflowed prose", PROSE, PROSE.replace(" then", "\nthen"), None, set()),
    ("json still json", '{"a": 1, "b": "x"}', '{"b": "y", "a": 2}', None, set()),
    ("json broke", '{"answer": 1, "ok": true}', "The answer is 1 and ok.", None, {"json_broke"}),
    ("json fixed", "a = 1", '{"a": 1}', None, {"json_fixed"}),
    (
        "json into fence",
        '{"a": 1}',
        '```json\n{"a": 1}\n```',
        None,
        {"json_broke", "markdown_changed"},
    ),
    (
        "json out of fence",
        '```json\n{"a": 1}\n```',
        '{"a": 1}',
        None,
        {"json_fixed", "markdown_changed"},
    ),
    (
        "prose with a json snippet is no json",
        "Create a package.json naming the test script, then run npm install and npm test.",
        PACKAGE_PROSE,
        None,
        {"markdown_changed", "much_longer"},
    ),
    (
        "snippets in prose on both sides",
        PACKAGE_PROSE,
        PACKAGE_PROSE.replace('"jest"}}', '"vitest"}, "private": true}'),
        None,
        set(),
    ),
    (
        "lead-in and one fence is json",
        '{"a": 1}',
        'Here is the JSON:\n\n```json\n{"a": 1}\n```',
        None,
        {"json_broke", "markdown_changed", "much_longer"},
    ),
    (
        "text after the fence is no json",
        '```json\n{"a": 1}\n```',
        '```json\n{"a": 1}\n```\n\nThe key a holds the count.',
        None,
        {"json_broke", "much_longer"},
    ),
    (
        "two fences are no json",
        '```json\n{"a": 1}\n```',
        '```json\n{"a": 1}\n```\n```json\n{"b": 2}\n```',
        None,
        {"json_broke", "much_longer"},
    ),
    (
        "a paragraph before the fence is no json",
        '```json\n{"a": 1}\n```',
        "The object below sets a to one, which the service reads on start-up and keeps until"
        ' the next restart, so change it before deploying.\n\n```json\n{"a": 1}\n```',
        None,
        {"json_broke", "much_longer"},
    ),
    ("both fenced same", '```json\n{"a": 1}\n```', '```\n{"a": 2}\n```', None, set()),
    (
        "json key renamed",
        '{"user_id": 1, "name": "x"}',
        '{"userId": 1, "name": "x"}',
        None,
        {"json_keys_changed"},
    ),
    (
        "json nested key added",
        '{"u": {"id": 1}}',
        '{"u": {"id": 1, "age": 3}}',
        None,
        {"json_keys_changed"},
    ),
    ("json type changed", '{"price": 10}', '{"price": "10"}', None, {"json_types_changed"}),
    ("json array items", '[{"id": 1}]', '[{"id": "1"}]', None, {"json_types_changed"}),
    ("json object to array", '{"a": 1}', "[1]", None, {"json_keys_changed", "json_types_changed"}),
    ("scalar is not json", "42", "forty-two", None, set()),
    (
        "refusal appeared",
        "Here is a haiku about autumn leaves falling.",
        "I'm sorry, but I can't help with that request.",
        None,
        {"refusal_appeared"},
    ),
    (
        "refusal curly quote",
        "Here is a haiku about autumn leaves falling.",
        "I\u2019m sorry, but I can\u2019t help with that request.",
        None,
        {"refusal_appeared"},
    ),
    (
        "refusal gone",
        "I cannot assist with that.",
        "Here is a haiku about autumn leaves.",
        None,
        {"refusal_gone"},
    ),
    (
        "refusal spanish",
        "Aquí tienes un poema corto sobre el otoño.",
        "Lo siento, pero no puedo ayudar con eso.",
        None,
        {"refusal_appeared"},
    ),
    (
        "refusal german",
        "Hier ist ein kurzes Gedicht über den Herbst.",
        "Es tut mir leid, aber ich kann dabei nicht helfen.",
        None,
        {"refusal_appeared"},
    ),
    (
        "refusal chinese",
        "这是一首关于秋天的短诗。",
        "抱歉，我不能帮助完成这个请求。",
        None,
        {"refusal_appeared"},
    ),
    (
        "both refused, claude phrasing",
        "I do not feel comfortable making broad claims of superiority between groups of people.",
        "I apologize, but I will not provide arguments"
        " in favor of one group's superiority over another.",
        None,
        set(),
    ),
    (
        "both refused, discomfort after apology",
        "I apologize, I do not feel comfortable giving advice about modifying human genes.",
        "I will not provide code for editing the human genome.",
        None,
        set(),
    ),
    (
        "both lack access",
        "Unfortunately I do not have access to a database of temperatures."
        " However, here is what such a table may look like.",
        "Unfortunately I don't have access"
        " to temperature data, so I am unable to provide the exact table you asked for.",
        None,
        set(),
    ),
    (
        "discomfort appeared",
        "Here is a short story about a heist at the museum.",
        "I don’t feel comfortable writing a story about that.",
        None,
        {"refusal_appeared"},
    ),
    (
        "no access but an answer is a partial refusal",
        RESET,
        "I do not have access to your account, but"
        " here is how to reset it: open Settings, then Security.",
        None,
        {"refusal_partial"},
    ),
    (
        "concession is a caveat",
        RESET,
        "Although I do not have access to your account, here is"
        " how to reset it: open Settings, then Security.",
        None,
        set(),
    ),
    (
        "caveat after a greeting",
        RESET,
        "Hello again! While I don't have the ability to recall"
        " past chats, here is how to reset it: open Settings, then Security.",
        None,
        set(),
    ),
    (
        "apology alone is no refusal",
        RESET,
        "I apologize for the confusion. To reset it, open"
        " Settings, then Security, then press Reset.",
        None,
        set(),
    ),
    (
        "ai that can is no refusal",
        RESET,
        "As an AI language model, I can walk you through it:"
        " open Settings, then Security, then press Reset.",
        None,
        set(),
    ),
    (
        "you lack access is no refusal",
        RESET,
        "You do not have access to the admin panel until"
        " an owner invites you; open Settings, then Security.",
        None,
        set(),
    ),
    (
        "late 'cannot' is no refusal",
        "x " * 200,
        "x " * 200 + "You cannot skip step 2.",
        None,
        set(),
    ),
    ("table removed", TABLE, "We have 3 apples and 5 pears.", None, {"markdown_changed"}),
    ("table to list", TABLE, LIST, None, {"markdown_changed"}),
    (
        "heading added",
        "We have apples and pears in the store today, three and five of them.",
        HEADED,
        None,
        {"markdown_changed"},
    ),
    ("list grew is content", LIST, LIST + "\n- plum: 1", None, set()),
    (
        "list inside a json answer",
        '{"answer": "Go to Settings. Then press Save."}',
        '{"answer": "Steps:\\n\\n1. Go to Settings.\\n2. Press Save."}',
        None,
        {"markdown_changed"},
    ),
    ("json keys are no markdown", '{"a": "x"}', '{"a": "y"}', None, set()),
    (
        "code block removed",
        CODE,
        "Call print with 'hi' to print a greeting to the screen.",
        None,
        {"markdown_changed"},
    ),
    ("english to spanish", PROSE, SPANISH, None, {"language_changed"}),
    ("english to french", PROSE, FRENCH, None, {"language_changed"}),
    ("english to chinese", PROSE, CHINESE, None, {"language_changed", "much_shorter"}),
    ("english to japanese", PROSE, JAPANESE, None, {"language_changed", "much_shorter"}),
    ("english to russian", PROSE, RUSSIAN, None, {"language_changed", "much_shorter"}),
    ("code keywords are no language", CODE, CODE.replace("hi", "hello"), None, set()),
    ("unfenced sql is no language", CHINESE_SQL, CHINESE_FENCED_SQL, None, {"markdown_changed"}),
    (
        "english to spanish around unfenced sql",
        PROSE + "\n\n" + SQL,
        SPANISH + "\n\n" + SQL,
        None,
        {"language_changed"},
    ),
    ("contact json is no language", CONTACTS, CONTACTS_PROSE, None, {"json_broke", "much_shorter"}),
    (
        "json prose values keep a language",
        json.dumps({"answer": PROSE}),
        json.dumps({"answer": SPANISH}),
        None,
        {"language_changed"},
    ),
    ("ends mid-sentence", PROSE, PROSE_CUT, None, {"truncated"}),
    ("finish_reason length", PROSE, PROSE, {"finish_reason": "length"}, {"truncated"}),
    (
        "nested finish_reason",
        PROSE,
        PROSE,
        {"candidate": {"finish_reason": "length"}},
        {"truncated"},
    ),
    ("finish_reason stop", PROSE, PROSE, {"finish_reason": "stop"}, set()),
    (
        "replayed candidate cut",
        PROSE,
        PROSE,
        {"replay": {"candidate": {"finish_reason": "length"}}},
        {"truncated"},
    ),
    (
        "both sides hit the limit",
        PROSE,
        PROSE,
        {"candidate_finish_reason": "length", "baseline_finish_reason": "length"},
        set(),
    ),
    (
        "replayed baseline cut only",
        PROSE,
        PROSE,
        {"replay": {"baseline": {"finish_reason": "length"}}},
        set(),
    ),
    (
        "importer flat finish_reason",
        PROSE,
        PROSE,
        {"candidate.finish_reason": "length"},
        {"truncated"},
    ),
    (
        "importer flat stop_reason",
        PROSE,
        PROSE,
        {"candidate.stop_reason": "max_tokens"},
        {"truncated"},
    ),
    ("gemini MAX_TOKENS", PROSE, PROSE, {"candidate.finish_reason": "MAX_TOKENS"}, {"truncated"}),
    (
        "inspect model_length",
        PROSE,
        PROSE,
        {"candidate.finish_reason": "model_length"},
        {"truncated"},
    ),
    (
        "anthropic nested stop_reason",
        PROSE,
        PROSE,
        {"candidate": {"stop_reason": "max_tokens"}},
        {"truncated"},
    ),
    (
        "flat both sides hit the limit",
        PROSE,
        PROSE,
        {"candidate.finish_reason": "max_tokens", "baseline.finish_reason": "length"},
        set(),
    ),
    (
        "flat baseline cut only",
        PROSE,
        PROSE,
        {"baseline.finish_reason": "length", "candidate.finish_reason": "stop"},
        set(),
    ),
    ("end_turn is no cut", PROSE, PROSE, {"candidate.stop_reason": "end_turn"}, set()),
    ("open code fence", CODE, OPEN_CODE, None, {"truncated"}),
    (
        "list ending is complete",
        PROSE,
        "Steps to take now:\n- copy the data\n- switch readers",
        None,
        {"much_shorter", "markdown_changed"},
    ),
    ("both end the same way", PROSE_CUT, PROSE_CUT + " readers and", None, set()),
    ("short answer needs no period", "Yes.", "Yes", None, set()),
    ("empty output", PROSE, "", None, {"empty_output"}),
    ("whitespace output", PROSE, "  \n ", None, {"empty_output"}),
    ("both empty", "", "", None, set()),
    ("baseline empty", "", PROSE, None, {"much_longer"}),
    ("much shorter", PROSE, "Copy, then switch readers and writers.", None, {"much_shorter"}),
    ("much longer", "Copy, then switch readers and writers.", PROSE, None, {"much_longer"}),
    ("tiny growth is no quirk", "OK", "Okay.", None, set()),
]

# Refusals (#14): whether the rest of the answer answers decides full or partial.
LONG_ANSWER = (
    "Cantonese is spoken by about 85 million people, mostly in Guangdong, Hong Kong and Macau."
    " It has six to nine tones depending on how they are counted, keeps final consonants that"
    " Mandarin lost, and is written with traditional characters plus a few of its own. A slide"
    " could show a map of where it is spoken, three everyday phrases with their tones, and a"
    " still from a Hong Kong film to show how present the language is in popular culture."
)
PARTIAL = (
    "I can't create visual slides directly, but I can provide the text for one.\n\n" + LONG_ANSWER
)
FULL_WITH_OFFERS = (
    "I'm sorry, but I can't help with that request. If you can provide the full text, I'd be"
    " happy to summarise it. Let me know if there is anything else I can do for you!"
)
REFUSAL_ROWS = [
    ("a long answer after the refusal is partial", LONG_ANSWER, PARTIAL, None, {"refusal_partial"}),
    (
        "offers and apologies are no answer",
        LONG_ANSWER,
        FULL_WITH_OFFERS,
        None,
        {"refusal_appeared", "much_shorter"},
    ),
    (
        "a short answer to a short question is partial",
        "There are 24 days left until Christmas.",
        "I don't have access to a calendar, but if today is 1 December there are 24 days left.",
        None,
        {"refusal_partial", "much_longer"},
    ),
    (
        "partial to full is a refusal",
        PARTIAL,
        FULL_WITH_OFFERS,
        None,
        {"refusal_appeared", "much_shorter"},
    ),
    (
        "full to partial is a refusal gone",
        FULL_WITH_OFFERS,
        PARTIAL,
        None,
        {"refusal_gone", "much_longer"},
    ),
    (
        "an apology that corrects is no refusal",
        "Hello there! How can I help you today?",
        "Hello! I'm sorry, but I am not Obi-Wan Kenobi. How can I help you today?",
        None,
        set(),
    ),
    (
        "can't help but is an idiom",
        "Today marks my first day at the mansion and I am excited to see it all.",
        "I can't help but wonder what his true intentions are, now that I live in his house.",
        None,
        set(),
    ),
]
LINES = "Here are the meeting details from the chat:\n\n"
TRUNCATION_ROWS = [
    (
        "field lines end a text",
        LINES + "- Time: 5pm.\n- Place: the coffee shop on Main Street.",
        LINES + "Time: 5pm\nDate: Tomorrow\nLocation: The coffee shop on Main Street",
        None,
        {"markdown_changed"},
    ),
    (
        "an attribution ends a text",
        'Here is a quote I like: "We must accept finite disappointment." - Martin Luther King',
        "Here's a positive and sweet motivational quote I like:\n\n\"You are braver than you"
        ' believe, stronger than you seem, and smarter than you think." - A.A. Milne, Winnie'
        " the Pooh",
        None,
        {"much_longer"},
    ),
    (
        "a formula ends a text",
        "The Hamiltonian is the total energy of the pendulum, as derived above.",
        "Carrying out the differentiation gives the result.\n\nTherefore, the Hamiltonian is:"
        "\nH = (1/2)ml2θ2 + (1/2)ml2 sin2θ φ2 + mgl cosθ",
        None,
        set(),
    ),
    (
        "a comma list ends a text",
        "Synonyms: what we have anticipated, what we have predicted, what we have foreseen.",
        "Other ways to say it:\n\nwhat we have anticipated, what we have predicted, what we have"
        " foreseen, what we have projected, what we have imagined",
        None,
        set(),
    ),
    (
        "a signed letter ends a text",
        "We can't wait to hear from you. Best regards, the team.",
        "We can't wait to hear your thoughts on the beta and to work with you on it.\n\n"
        "Best regards,\n[Your Name]\nSkinn Brown Dog Media - Delivering Content Solutions",
        None,
        {"much_longer"},
    ),
    (
        "a fence closed at a line's end is no open block",
        CODE,
        "Use this:\n\n```python\nprint('hi')  # Call it to greet. ```\n\nThat prints a"
        " greeting to the screen once the script runs.",
        None,
        set(),
    ),
    (
        "a cut after a heading is still a cut",
        PROSE,
        PROSE + "\n\n### Conclusion\nThis is a complex problem, and depending on the specifics"
        " of the problem, such as",
        None,
        {"truncated", "markdown_changed"},
    ),
]
CAT = "Here is a cat:\n\n```\n /\\_/\\\n( o.o )\n > ^ <\n```"
LANGUAGE_ROWS = [
    (
        "ascii art is no portuguese",
        "Certainly! Here is a simple drawing of a cat for you to enjoy:\n\n" + CAT,
        "Here's a simple ASCII representation of a cat:\n\n  /\\_/\\\n / o o \\\n(   \"   )"
        "\n \\~(*)~/\n  o   o   e  a  o",
        None,
        {"markdown_changed"},
    ),
    (
        "acronyms are no french",
        "The Ravens played these home games in 2011, all of them on a Sunday afternoon.",
        "Season: 2011\nLocal time: 8:30 PM EST\nGame: Week 3 - Ravens vs. Jets\nScore: 34 - 17"
        "\n\nSeason: 2011\nLocal time: 1:00 PM EST\nGame: Week 6 - Ravens vs. Texans\n"
        "Score: 29 - 14\n\nSeason: 2011\nLocal time: 1:00 PM EST\nGame: Week 9 - Ravens vs. "
        "Steelers\nScore: 23 - 20",
        None,
        {"much_longer"},
    ),
]
ROWS += REFUSAL_ROWS + TRUNCATION_ROWS + LANGUAGE_ROWS


@pytest.mark.parametrize(
    "baseline,candidate,metadata,expected", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_signal_table(baseline, candidate, metadata, expected):
    fired = compute_signals(baseline, candidate, metadata)
    assert {s.name for s in fired} == expected
    assert all(s.name in SIGNAL_NAMES and s.detail for s in fired)
    assert len({s.name for s in fired}) == len(fired)  # one row per (pair, name)


def test_signal_details_name_the_change():
    keys = compute_signals('{"user_id": 1}', '{"userId": 1}')[0].detail
    assert "added $.userId" in keys and "removed $.user_id" in keys
    types = compute_signals('{"price": 10}', '{"price": "10"}')[0].detail
    assert types == "$.price: number -> string"
    assert compute_signals(PROSE, SPANISH)[0].detail == "en -> es"


@pytest.mark.parametrize(
    "text,lang",
    [
        (PROSE, "en"),
        (SPANISH, "es"),
        (FRENCH, "fr"),
        (CHINESE, "zh"),
        (JAPANESE, "ja"),
        (RUSSIAN, "ru"),
        ("ok", None),
        ("", None),
        (None, None),
        pytest.param(CHINESE_SQL, "zh", id="chinese with unfenced sql"),
        pytest.param(CONTACTS, None, id="contacts json"),
        pytest.param(SQL, None, id="sql alone"),
        pytest.param(INDENTED_CODE, None, id="indented code"),
        pytest.param(SPANISH + "\n\n" + SQL, "es", id="spanish with unfenced sql"),
        pytest.param(
            "Write to maria.silva@empresa.com.br or see https://empresa.com/os/da/docs",
            "latin",
            id="addresses are no words",
        ),
        ("Ich habe das nicht gewusst, aber es ist auch sehr gut für die Kinder.", "de"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("same words here", "same  words\nhere", 0.0),
        ("", "", 0.0),
        ("one two", "", 1.0),
        ("alpha beta", "gamma delta", 1.0),
        ("a b c d", "a b c e", 0.25),
    ],
)
def test_lexical_distance(a, b, expected):
    assert lexical_distance(a, b) == pytest.approx(expected)


def _log(n_lines: int, changed_every: int = 0, tag: str = "copied") -> str:
    """A long machine log, ~14 words a line; every ``changed_every``-th line reworded."""
    out = []
    for i in range(n_lines):
        verb = "FAILED to copy" if changed_every and i % changed_every == 0 else tag
        out.append(f"step {i}: {verb} block {i} of the archive to the new cluster, no errors")
    return "\n".join(out)


HUGE = _log(27_000)  # ~2 MB, ~380k words: ~1.8e11 word cells, ~17 s on words


@pytest.mark.parametrize(
    "baseline,candidate,method,low,high",
    [
        ("a b c d", "a b c e", "words", 0.25, 0.25),
        (_log(6_000), _log(6_000, changed_every=50), "lines", 0.01, 0.03),
        (HUGE, HUGE, "line groups", 0.0, 0.0),
        (HUGE, HUGE + "\n" + _log(7_000, tag="moved"), "line groups", 0.05, 0.2),
        (HUGE, _log(27_000, changed_every=100), "line groups", 0.01, 0.1),
        (HUGE, _log(27_000, tag="skipped"), "line groups", 0.95, 1.0),
    ],
    ids=["small", "lines", "huge same", "huge grown", "huge reworded", "huge all changed"],
)
def test_lexical_cost_is_bounded(baseline, candidate, method, low, high):
    chosen, a, b = lexical_tokens(baseline, candidate)
    assert chosen == method
    assert len(a) * len(b) <= MAX_CELLS  # the work Indel does, whatever the input size
    assert low <= lexical_distance(baseline, candidate) <= high


def test_usual_outputs_keep_their_exact_word_distance(realdata):
    path = realdata / "pairs" / "arena_bench_v1__gpt-4-0314__gpt-4-1106-preview.jsonl.gz"
    with gzip.open(path, "rt") as f:
        rows = [json.loads(line) for line in f]
    for row in rows:
        a, b = row["baseline_output"], row["candidate_output"]
        assert lexical_tokens(a, b)[0] == "words"
        exact = Indel.normalized_distance(a.split(), b.split()) if a.split() or b.split() else 0
        assert lexical_distance(a, b) == exact


def test_length_change():
    assert length_change("abcd", "ab") == -0.5
    assert length_change("", "abc") == 3.0
    assert length_change(None, None) == 0.0
