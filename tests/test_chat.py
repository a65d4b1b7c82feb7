"""Chat content parts (OpenAI's list form) read as text wherever a prompt is shown."""

from __future__ import annotations

import pytest

from swapview import queue
from swapview.chat import content_text, snippet_text
from swapview.detail import chat_turns
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction


@pytest.mark.parametrize(
    "content,text",
    [
        ("plain", "plain"),
        (None, ""),
        ([{"type": "text", "text": "hi "}, {"type": "text", "text": "there"}], "hi there"),
        (
            [{"type": "input_text", "text": "a"}, {"type": "image_url", "image_url": {}}],
            "a\n[image_url]",
        ),
        ([{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "Answer."}], "Answer."),
        (
            [
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "t1", "name": "weather", "input": {"city": "Paris"}},
            ],
            'Let me check.\n[tool call: weather({"city": "Paris"})]',
        ),
        ([{"text": "untyped"}], "untyped"),
        ({"odd": 1}, '{"odd": 1}'),
    ],
)
def test_content_text(content, text):
    assert content_text(content) == text


def test_snippet_keeps_plain_text_and_a_cut_list():
    assert snippet_text("[bold] is text") == "[bold] is text"
    assert snippet_text('[{"type": "text", "text": "hi"}]') == "hi"
    cut = '[{"type": "text", "text": "cut sho'
    assert snippet_text(cut) == cut


def test_queue_and_prompt_panel_show_the_text_of_content_parts(db):
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Where is my refund?"}]},
    ]
    with write_transaction(db):
        cid = ensure_comparison(db, "m")
        PairWriter(db, cid, LoadReport()).write([PairRecord("k", messages, "a", "b")])
    rows = queue.page_at(db.conn, queue.QueueSpec(order="key", comparison_id=cid), 0, 5)
    assert rows[0].snippet == "Where is my refund?"
    assert chat_turns(messages) == [("system", "Be brief."), ("user", "Where is my refund?")]


@pytest.mark.parametrize(
    "text, turns",
    [
        (
            "\n\nHuman: hi there\n\nAssistant: hello!\n\nHuman: what is 2+2?\n\nAssistant:",
            [("user", "hi there"), ("assistant", "hello!"), ("user", "what is 2+2?")],
        ),
        ("Be terse.\n\nHuman: a\n\nAssistant:", [("system", "Be terse."), ("user", "a")]),
        ("Human: one line only", [("user", "one line only")]),
        (
            "H: short\n\nA: form\n\nH: again",
            [("user", "short"), ("assistant", "form"), ("user", "again")],
        ),
        # Not transcripts: prose mentioning a speaker, an answer-only text.
        (
            "Write about the word Human: it means...",
            [("user", "Write about the word Human: it means...")],
        ),
        ("Intro\n\nAssistant: only", [("user", "Intro\n\nAssistant: only")]),
        ("plain question?", [("user", "plain question?")]),
    ],
)
def test_human_assistant_transcripts_split_into_turns(text, turns):
    assert chat_turns(text) == turns
