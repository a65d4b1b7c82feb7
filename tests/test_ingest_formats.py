"""Formats: JSONL, JSON array, CSV/TSV, gzip by content, field detection, exact text."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pytest

from swapview.errors import InputError
from swapview.ingest import FieldMap, LoadOptions, jsonarray, load_files
from swapview.ingest.jsonarray import JsonArrayReader
from swapview.store import decode_prompt

CHAT = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Hi"}]
ROWS = [
    {"id": "a1", "messages": CHAT, "old": "x", "new": "y", "preference": "baseline"},
    {"id": "a2", "messages": "plain prompt", "old": "", "new": "z", "labels": [1, 2]},
]


def _pairs(db):
    return {r["key"]: r for r in db.query("SELECT * FROM pairs")}


def _as_jsonl(rows):
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _as_csv(rows, delimiter=","):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
    return out.getvalue().encode()


ENCODINGS = {
    "jsonl": lambda rows: _as_jsonl(rows),
    "json": lambda rows: json.dumps(rows, indent=2).encode(),
    "csv": lambda rows: _as_csv(rows),
    "tsv": lambda rows: _as_csv(rows, "\t"),
}


@pytest.mark.parametrize("fmt", list(ENCODINGS))
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_each_format_plain_or_gzip_detected_by_content(tmp_path, db, fmt, gz):
    data = ENCODINGS[fmt](ROWS[:1] + [{k: v for k, v in ROWS[1].items() if k != "labels"}])
    path = tmp_path / "pairs.data"  # the name says nothing; the content decides
    path.write_bytes(gzip.compress(data) if gz else data)
    report = load_files(db, [path])
    assert (report.loaded, report.empty_outputs) == (2, 1)
    pairs = _pairs(db)
    assert decode_prompt(pairs["a1"]["prompt"], pairs["a1"]["prompt_format"]) == CHAT
    assert pairs["a2"]["prompt"] == "plain prompt"
    assert (pairs["a1"]["baseline_output"], pairs["a1"]["candidate_output"]) == ("x", "y")
    assert json.loads(pairs["a1"]["metadata"]) == {"preference": "baseline"}


@pytest.mark.parametrize("name", ["pairs.jsonl", "pairs.txt", "pairs.csv.gz.bak"])
def test_gzip_found_by_magic_bytes_whatever_the_name(tmp_path, db, name):
    path = tmp_path / name
    path.write_bytes(gzip.compress(_as_jsonl(ROWS)))
    if name.endswith(".csv.gz.bak"):
        path = path.rename(tmp_path / "pairs.jsonl.bak")
    assert load_files(db, [path]).loaded == 2


def test_plain_text_named_gz_reads_as_plain(tmp_path, db):
    path = tmp_path / "pairs.jsonl.gz"
    path.write_bytes(_as_jsonl(ROWS))
    assert load_files(db, [path]).loaded == 2


def test_flags_override_detected_fields(tmp_path, db):
    rows = [{"q": "p", "prompt": "decoy", "before_x": "b", "after_x": "c", "n": 7}]
    path = tmp_path / "f.jsonl"
    path.write_bytes(_as_jsonl(rows))
    flags = FieldMap(prompt="q", baseline="before_x", candidate="after_x", key="n")
    load_files(db, [path], LoadOptions(fields=flags, baseline_model="m1", candidate_model="m2"))
    pair = _pairs(db)["7"]
    assert (pair["prompt"], pair["baseline_output"], pair["candidate_output"]) == ("p", "b", "c")
    assert json.loads(pair["metadata"]) == {"prompt": "decoy"}
    assert db.execute("SELECT baseline_model, candidate_model FROM comparisons").fetchone() == (
        "m1",
        "m2",
    )


def test_rows_without_key_are_keyed_by_prompt_and_repeats_kept_apart(tmp_path, db):
    rows = [
        {"prompt": "same", "a": "1", "b": "2"},
        {"prompt": "same", "a": "3", "b": "4"},
        {"prompt": "other", "a": "5", "b": "6"},
    ]
    path = tmp_path / "r.jsonl"
    path.write_bytes(_as_jsonl(rows))
    assert load_files(db, [path]).loaded == 3
    keys = [k for (k,) in db.execute("SELECT key FROM pairs ORDER BY id")]
    assert keys[1] == keys[0] + "~2" and keys[0].startswith("p-") and len(set(keys)) == 3
    assert load_files(db, [path]).unchanged == 3  # the same keys again on reload


def test_openai_style_choices_and_message_outputs(tmp_path, db):
    rows = [
        {
            "custom_id": "c1",
            "input": "p",
            "baseline": [{"message": {"role": "assistant", "content": "old"}}],
            "candidate": {"role": "assistant", "content": "new"},
        }
    ]
    path = tmp_path / "o.jsonl"
    path.write_bytes(_as_jsonl(rows))
    load_files(db, [path])
    pair = _pairs(db)["c1"]
    assert (pair["baseline_output"], pair["candidate_output"]) == ("old", "new")


def test_two_generic_jsonl_files_joined_by_key_flag(tmp_path, db):
    (tmp_path / "old.jsonl").write_bytes(
        _as_jsonl(
            [
                {"uid": "1", "ticket": 9, "text": "a", "model": "m-old"},
                {"uid": "2", "ticket": 8, "text": "b", "model": "m-old"},
            ]
        )
    )
    (tmp_path / "new.jsonl").write_bytes(
        _as_jsonl(
            [
                {"ticket": 8, "text": "B", "model": "m-new"},
                {"ticket": 9, "text": "A", "model": "m-new"},
            ]
        )
    )
    report = load_files(
        db,
        [tmp_path / "old.jsonl", tmp_path / "new.jsonl"],
        LoadOptions(fields=FieldMap(key="ticket")),
    )
    assert (report.loaded, report.comparison) == (2, "m-old-vs-m-new")
    pairs = _pairs(db)
    assert (pairs["9"]["baseline_output"], pairs["9"]["candidate_output"]) == ("a", "A")
    assert json.loads(pairs["9"]["metadata"]) == {
        "baseline": {"uid": "1", "model": "m-old"},
        "candidate": {"model": "m-new"},
    }


HOSTILE = (
    "\x00NUL\x00 \x1b[31mred\x1b[0m \x07 [bold]x[/bold] [@click=app.quit]q[/] <b>&amp;</b>"
    " \r\n crlf \u2028 \U0001f600 \ufeff é"
)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_hostile_and_huge_text_stored_byte_for_byte(tmp_path, db, fmt):
    huge = ("0123456789abcdef" * 65536 * 10)[: 10 * 1024 * 1024 - 3] + "end"
    rows = [{"id": "h", "prompt": HOSTILE, "baseline": HOSTILE, "candidate": huge}]
    path = tmp_path / f"h.{fmt}"
    path.write_bytes(ENCODINGS[fmt](rows))
    load_files(db, [path])
    pair = _pairs(db)["h"]
    assert pair["prompt"] == HOSTILE and pair["baseline_output"] == HOSTILE
    assert pair["candidate_output"] == huge


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_json_array_reader_across_chunk_boundaries(monkeypatch, chunk):
    monkeypatch.setattr(jsonarray, "CHUNK", chunk)
    values = [
        {"n": 12345.5, "s": "caf\u00e9 \\u00e9 \U0001f600", "t": True, "z": None},
        {"long": "x" * 5000, "nested": [1, [2, {"k": "v"}]]},
        {"e": "\\u12"},
        {},
    ]
    text = "\ufeff[\n" + ",\n\n".join(json.dumps(v) for v in values) + "\n]\n"
    reader = JsonArrayReader(io.BytesIO(text.encode()), "t.json")
    got = list(reader)
    assert [v for _, v in got] == values
    assert [line for line, _ in got] == [2, 4, 6, 8]


def test_json_array_reader_bad_utf8_gives_byte_offset():
    data = b'[{"a": "ok"}, {"a": "\xff"}]'
    with pytest.raises(
        InputError,
        match=r"t.json \(byte 21\): not UTF-8 text; convert it:"
        r" iconv -f cp1252 -t utf-8 t.json > t.utf8.json$",
    ):
        list(JsonArrayReader(io.BytesIO(data), "t.json"))


def test_json_array_memory_stays_flat(tmp_path):
    """50 MB of array through the reader never holds more than a few chunks of text."""
    import tracemalloc

    row = json.dumps({"prompt": "p" * 500, "baseline": "b" * 2000, "candidate": "c" * 2000})
    path = tmp_path / "big.json"
    with path.open("w") as f:
        f.write("[" + ",\n".join([row] * 11000) + "]")
    tracemalloc.start()
    with path.open("rb") as f:
        count = sum(1 for _ in JsonArrayReader(f, str(path)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 11000
    assert peak < 12 * 1024 * 1024, peak


def test_prompt_join_pairs_repeats_in_order_and_reports_baseline_duplicates(tmp_path, db):
    (tmp_path / "a.json").write_text(
        json.dumps(
            [
                {"instruction": "same", "output": "a1", "generator": "old"},
                {"instruction": "same", "output": "a2", "generator": "old"},
                {"instruction": "only-old", "output": "a3", "generator": "old"},
            ]
        )
    )
    (tmp_path / "b.jsonl").write_bytes(
        _as_jsonl(
            [
                {"id": 7, "instruction": "same", "output": "b1", "generator": "new"},
                {"id": 8, "instruction": "same", "output": "b2", "generator": "new"},
                {"id": 9, "instruction": "only-new", "output": "b3", "generator": "new"},
            ]
        )
    )
    report = load_files(db, [tmp_path / "a.json", tmp_path / "b.jsonl"])
    # The baseline file has no key field, so the join falls back to the prompt text.
    assert report.loaded == 2
    assert (len(report.unmatched_baseline), len(report.unmatched_candidate)) == (1, 1)
    rows = db.execute("SELECT baseline_output, candidate_output FROM pairs ORDER BY id")
    assert rows.fetchall() == [("a1", "b1"), ("a2", "b2")]


def test_forced_format_overrides_detection(tmp_path, db):
    path = tmp_path / "semi.txt"
    path.write_text("prompt\tbaseline\tcandidate\np, with comma\ta\tb\n")
    assert load_files(db, [path], LoadOptions(fmt="tsv")).loaded == 1
    assert db.execute("SELECT prompt FROM pairs").fetchone()[0] == "p, with comma"


def test_duplicate_keys_in_one_file_keep_the_first(tmp_path, db):
    rows = [{"id": "1", "a": "x", "b": "y"}, {"id": "1", "a": "other", "b": "z"}]
    path = tmp_path / "d.jsonl"
    path.write_bytes(_as_jsonl(rows))
    report = load_files(db, [path])
    assert (report.loaded, report.duplicate_keys) == (1, ["1"])
    assert db.execute("SELECT baseline_output FROM pairs").fetchone()[0] == "x"


def test_dotted_paths_reach_nested_fields_even_through_dotted_model_names(tmp_path, db):
    rows = [
        {
            "id": "a1",
            "request": {"messages": CHAT, "temperature": 0},
            "responses": {"gpt-4o": "old", "gpt-4.1": "new"},
        },
        {
            "id": "a2",
            "request": {"messages": [{"role": "user", "content": "q"}]},
            "responses": {"gpt-4o": "o2", "gpt-4.1": "n2"},
        },
    ]
    path = tmp_path / "nested.jsonl"
    path.write_bytes(_as_jsonl(rows))
    flags = FieldMap(
        prompt="request.messages", baseline="responses.gpt-4o", candidate="responses.gpt-4.1"
    )
    assert load_files(db, [path], LoadOptions(fields=flags)).loaded == 2
    pair = _pairs(db)["a1"]
    assert (pair["baseline_output"], pair["candidate_output"]) == ("old", "new")
    assert decode_prompt(pair["prompt"], pair["prompt_format"]) == CHAT
    # What was lifted out is not kept twice; the rest of its container stays as metadata.
    assert json.loads(pair["metadata"]) == {"request": {"temperature": 0}}
    assert _pairs(db)["a2"]["metadata"] is None or json.loads(_pairs(db)["a2"]["metadata"]) == {}


def test_dotted_path_into_a_list_and_a_row_that_lacks_it(tmp_path, db):
    rows = [
        {"id": "1", "old": "a", "new": {"choices": [{"message": {"content": "b"}}]}},
        {"id": "2", "old": "c", "new": {"error": "rate limited"}},
    ]
    path = tmp_path / "list.jsonl"
    path.write_bytes(_as_jsonl(rows))
    flags = FieldMap(candidate="new.choices.0.message.content")
    with pytest.raises(InputError) as err:
        load_files(db, [path], LoadOptions(fields=flags))
    assert (err.value.line, err.value.field) == (2, "new.choices.0.message.content")
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 0  # nothing half-stored
    report = load_files(db, [path], LoadOptions(fields=flags, skip_bad=True))
    assert report.loaded == 1 and _pairs(db)["1"]["candidate_output"] == "b"


def test_nested_rows_without_flags_get_a_dotted_path_hint(tmp_path, db):
    path = tmp_path / "n.jsonl"
    path.write_bytes(_as_jsonl([{"id": "1", "responses": {"m1": "a", "m2": "b"}}]))
    with pytest.raises(
        InputError,
        match=r"pass --baseline-field; nested fields take a dotted"
        r" path, e\.g\. responses\.m1",
    ):
        load_files(db, [path])


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("old_answer", "new_answer"),
        ("oldResponse", "newResponse"),
        ("previous_model_output", "next_model_output"),
        ("control_text", "treatment_text"),
    ],
)
def test_output_fields_found_by_their_words(tmp_path, db, old, new):
    path = tmp_path / "w.jsonl"
    path.write_bytes(_as_jsonl([{"question": "q", old: "a", new: "b", "old_score": 3}]))
    assert load_files(db, [path]).loaded == 1
    pair = next(iter(_pairs(db).values()))
    assert (pair["prompt"], pair["baseline_output"], pair["candidate_output"]) == ("q", "a", "b")


def test_two_fields_with_the_same_words_are_not_guessed(tmp_path, db):
    path = tmp_path / "amb.jsonl"
    path.write_bytes(
        _as_jsonl([{"question": "q", "old_answer": "a", "old_reply": "a2", "new_answer": "b"}])
    )
    with pytest.raises(InputError, match="cannot find the baseline field"):
        load_files(db, [path])


# One row per provider response shape people save from their logs.
RESPONSE_SHAPES = {
    "openai chat completion": {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "TEXT"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"total_tokens": 3},
    },
    "openai responses api": {
        "id": "resp_1",
        "output": [
            {"type": "reasoning", "summary": []},
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "TEXT"}],
            },
        ],
    },
    "openai output_text": {"id": "resp_2", "output_text": "TEXT"},
    "anthropic message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": "TEXT"}],
        "stop_reason": "end_turn",
    },
    "anthropic content list": [{"type": "text", "text": "TE"}, {"type": "text", "text": "XT"}],
    "gemini": {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": "TEXT"}]}, "finishReason": "STOP"}
        ]
    },
    "ollama chat": {"model": "llama3", "message": {"role": "assistant", "content": "TEXT"}},
    "ollama generate": {"model": "llama3", "response": "TEXT", "done": True},
}


@pytest.mark.parametrize("shape", list(RESPONSE_SHAPES))
def test_provider_response_objects_read_as_their_text(tmp_path, db, shape):
    path = tmp_path / "r.jsonl"
    path.write_bytes(
        _as_jsonl([{"id": "1", "prompt": "p", "old": "before", "new": RESPONSE_SHAPES[shape]}])
    )
    load_files(db, [path])
    assert _pairs(db)["1"]["candidate_output"] == "TEXT"


@pytest.mark.parametrize(
    "error",
    [
        {"error": "x"},
        {"error": {"message": "x", "type": "invalid_request_error", "code": None}},
        {"type": "error", "error": {"type": "overloaded_error", "message": "x"}},  # Anthropic
        {"error": {"code": 429, "message": "x", "status": "RESOURCE_EXHAUSTED"}},  # Gemini
        {"error": "x", "status": 500},
    ],
)
def test_an_error_response_as_the_output_is_a_clear_error(tmp_path, db, error):
    path = tmp_path / "r.jsonl"
    path.write_bytes(_as_jsonl([{"id": "1", "prompt": "p", "old": "a", "new": error}]))
    with pytest.raises(InputError, match=r"the output is an error response: x; expected") as err:
        load_files(db, [path])
    assert (err.value.line, err.value.field) == (1, "new")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"name": "a", "age": 3}, {"name": "a", "age": "3"}),
        ([{"name": "a"}, {"name": "b"}], [{"type": "cat", "name": "\u00e9"}]),
        (42, 4.5),
        (True, []),
        (
            {"error": None, "result": 1},
            {"error": "not found", "query": "x"},
        ),  # answers about errors
    ],
)
def test_parsed_json_mode_outputs_are_stored_as_json_text(tmp_path, db, old, new):
    path = tmp_path / "j.jsonl"
    path.write_bytes(_as_jsonl([{"id": "1", "prompt": "give json", "old": old, "new": new}]))
    load_files(db, [path])
    pair = _pairs(db)["1"]
    assert pair["baseline_output"] == json.dumps(old, ensure_ascii=False)
    assert pair["candidate_output"] == json.dumps(new, ensure_ascii=False)


@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "pretty"])
def test_a_json_object_wrapping_the_rows_under_data(tmp_path, db, indent):
    rows = [
        {"id": "1", "prompt": "p", "old": "a", "new": "b"},
        {"id": "2", "prompt": "q", "old": "c", "new": "d"},
        {"id": "3", "prompt": "r", "old": "e", "new": {"error": "overloaded"}},
    ]
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"version": 2, "data": rows}, indent=indent))
    with pytest.raises(InputError) as err:
        load_files(db, [path])
    # The bad row is named by the line it starts on, in the pretty file too.
    text = path.read_text()
    row_start = text.rindex("{", 0, text.index('"id": "3"'))
    assert err.value.line == text[:row_start].count("\n") + 1
    assert err.value.field == "new"
    rows[2]["new"] = "f"
    path.write_text(json.dumps({"version": 2, "data": rows}, indent=indent))
    assert load_files(db, [path]).loaded == 3
    assert _pairs(db)["2"]["candidate_output"] == "d"


def test_one_pretty_printed_row_with_a_message_list_is_a_row(tmp_path, db):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"id": "1", "messages": CHAT, "old": "a", "new": "b"}, indent=2))
    assert load_files(db, [path]).loaded == 1
    assert decode_prompt(_pairs(db)["1"]["prompt"], _pairs(db)["1"]["prompt_format"]) == CHAT


@pytest.mark.parametrize("role", ["prompt", "key", "baseline", "candidate"])
def test_a_field_flag_naming_no_field_is_an_error(tmp_path, db, role):
    path = tmp_path / "f.jsonl"
    path.write_bytes(_as_jsonl([{"id": "1", "messages": CHAT, "old": "a", "new": "b"}]))
    with pytest.raises(InputError, match="no such field") as err:
        load_files(db, [path], LoadOptions(fields=FieldMap(**{role: "nope"})))
    assert err.value.field == "nope"


def test_an_output_field_flag_naming_no_field_is_an_error(tmp_path, db):
    (tmp_path / "old.jsonl").write_bytes(_as_jsonl([{"id": "1", "prompt": "p", "text": "a"}]))
    (tmp_path / "new.jsonl").write_bytes(_as_jsonl([{"id": "1", "prompt": "p", "text": "b"}]))
    with pytest.raises(InputError, match="no such field") as err:
        load_files(
            db,
            [tmp_path / "old.jsonl", tmp_path / "new.jsonl"],
            LoadOptions(fields=FieldMap(output="answer")),
        )
    assert err.value.field == "answer"


@pytest.mark.parametrize(
    ("message", "text"),
    [
        (
            {"role": "assistant", "content": None, "refusal": "I can't help with that."},
            "I can't help with that.",
        ),
        (
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            '[tool call: get_weather({"city": "Paris"})]',
        ),
        (
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            "Checking.\n[tool call: f()]",
        ),
    ],
)
def test_openai_messages_with_refusals_and_tool_calls(tmp_path, db, message, text):
    path = tmp_path / "m.jsonl"
    path.write_bytes(_as_jsonl([{"id": "1", "prompt": "p", "old": "a", "new": message}]))
    load_files(db, [path])
    assert _pairs(db)["1"]["candidate_output"] == text


def test_saved_responses_keep_their_finish_reason_and_json_text_is_unwrapped(tmp_path, db):
    old = RESPONSE_SHAPES["openai chat completion"]
    new = {
        "id": "msg_2",
        "type": "message",
        "role": "assistant",
        "model": "claude",
        "content": [{"type": "text", "text": "cut of"}],
        "stop_reason": "max_tokens",
    }
    # A CSV cell holds the response as JSON text; a JSON-mode answer stays as it is.
    rows = [
        {
            "id": "1",
            "prompt": "p",
            "baseline_response": json.dumps(old),
            "candidate_response": json.dumps(new),
        },
        {
            "id": "2",
            "prompt": "p",
            "baseline_response": '{"answer": 4, "type": "sum"}',
            "candidate_response": '{"object": "list", "data": []}',
        },
    ]
    path = tmp_path / "r.csv"
    path.write_bytes(_as_csv(rows))
    load_files(db, [path])
    one, two = _pairs(db)["1"], _pairs(db)["2"]
    assert (one["baseline_output"], one["candidate_output"]) == ("TEXT", "cut of")
    assert json.loads(one["metadata"]) == {
        "baseline.finish_reason": "stop",
        "candidate.finish_reason": "max_tokens",
    }
    assert two["baseline_output"] == '{"answer": 4, "type": "sum"}'
    assert two["candidate_output"] == '{"object": "list", "data": []}'


def test_two_files_sharing_no_key_say_so(tmp_path, db):
    (tmp_path / "old.jsonl").write_bytes(_as_jsonl([{"rid": "a1", "prompt": "p", "text": "x"}]))
    (tmp_path / "new.jsonl").write_bytes(_as_jsonl([{"rid": "b1", "prompt": "p", "text": "y"}]))
    with pytest.raises(
        InputError,
        match=r"the 1 old and 1 new rows share no key \(old a1;"
        r" new b1\); check --key",
    ):
        load_files(
            db,
            [tmp_path / "old.jsonl", tmp_path / "new.jsonl"],
            LoadOptions(fields=FieldMap(key="rid")),
        )
    # Joined on the prompt instead, they pair.
    assert load_files(db, [tmp_path / "old.jsonl", tmp_path / "new.jsonl"]).loaded == 1
    (tmp_path / "new.jsonl").write_bytes(_as_jsonl([{"rid": "b1", "prompt": "q", "text": "y"}]))
    with pytest.raises(
        InputError,
        match=r"share no prompt; if the files have a common id"
        r" field, join on it with --key FIELD",
    ):
        load_files(db, [tmp_path / "old.jsonl", tmp_path / "new.jsonl"])


def test_rows_that_lack_the_prompt_field_are_counted_in_a_warning(tmp_path, db):
    rows = [
        {"id": "1", "messages": CHAT, "old": "a", "new": "b"},
        {"id": "2", "prompt": "other field", "old": "c", "new": "d"},
        {"id": "3", "prompt": "again", "old": "e", "new": "f"},
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_as_jsonl(rows))
    report = load_files(db, [path])
    assert report.loaded == 3
    assert any("2 rows have no 'messages' field" in w for w in report.warnings)
    with pytest.raises(InputError, match="got an empty list") as err:
        path.write_bytes(_as_jsonl([{"id": "1", "messages": [], "old": "a", "new": "b"}]))
        load_files(db, [path])
    assert err.value.field == "messages"


def test_a_conversation_as_the_output_field_gives_its_last_answer(tmp_path, db):
    # Chatbot Arena's pairwise rows keep whole conversations per model.
    def convo(answer):
        return [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "first"},
            {"role": "user", "content": "and?"},
            {"role": "assistant", "content": answer},
        ]

    path = tmp_path / "arena.jsonl"
    path.write_bytes(
        _as_jsonl(
            [
                {
                    "question_id": "q1",
                    "model_a": "m1",
                    "model_b": "m2",
                    "conversation_a": convo("old"),
                    "conversation_b": convo("new"),
                    "winner": "model_a",
                }
            ]
        )
    )
    flags = FieldMap(baseline="conversation_a", candidate="conversation_b")
    report = load_files(db, [path], LoadOptions(fields=flags))
    pair = _pairs(db)["q1"]
    assert (pair["baseline_output"], pair["candidate_output"]) == ("old", "new")
    # No prompt field: the conversation up to its answer is the prompt.
    assert decode_prompt(pair["prompt"], pair["prompt_format"]) == convo("old")[:3]
    assert report.warnings == []


def test_prompt_one_level_down_in_two_request_logs_joined_by_key(tmp_path, db):
    def log(rid, answer):
        return {
            "request_id": rid,
            "request": {"model": "m", "messages": CHAT},
            "response": {"choices": [{"message": {"role": "assistant", "content": answer}}]},
        }

    (tmp_path / "old.jsonl").write_bytes(_as_jsonl([log("r1", "a"), log("r2", "b")]))
    (tmp_path / "new.jsonl").write_bytes(_as_jsonl([log("r2", "d"), log("r1", "c")]))
    report = load_files(
        db,
        [tmp_path / "old.jsonl", tmp_path / "new.jsonl"],
        LoadOptions(fields=FieldMap(key="request_id")),
    )
    assert (report.loaded, report.warnings) == (2, [])
    pair = _pairs(db)["r1"]
    assert decode_prompt(pair["prompt"], pair["prompt_format"]) == CHAT
    assert (pair["baseline_output"], pair["candidate_output"]) == ("a", "c")
    assert json.loads(pair["metadata"]) == {"request": {"model": "m"}}


def test_no_prompt_field_found_is_a_load_warning(tmp_path, db):
    path = tmp_path / "noprompt.jsonl"
    path.write_bytes(_as_jsonl([{"id": "1", "task": "t", "old": "a", "new": "b"}]))
    report = load_files(db, [path])
    assert report.loaded == 1
    assert report.warnings == [
        f"{path}: no prompt field found (tried prompt, input, question, instruction, messages,"
        " query, user_input, user_prompt, and one level down), so the pairs have no prompt;"
        " pass --prompt-field"
    ]


EXCEL_EU = (
    "Prompt;GPT-4o response;GPT-4.1 response;Notes;Rating\n"
    'Say hi;Hello, there;Hi!;"ok; short";4\n'
    "Count;1, 2, 3;1,2,3;;5\n"
)


@pytest.mark.parametrize("delimiter", [";", "|", "\t", ","])
@pytest.mark.parametrize("fmt", [None, "csv"], ids=["sniffed", "forced"])
def test_csv_delimiter_is_sniffed_from_the_header(tmp_path, db, delimiter, fmt):
    # European Excel writes ";"; the same rows with the other delimiters, quoted as a
    # writer would quote them.
    out = io.StringIO()
    rows = csv.reader(io.StringIO(EXCEL_EU), delimiter=";")
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path = tmp_path / "eu.csv"
    path.write_text(EXCEL_EU if delimiter == ";" else out.getvalue())
    flags = FieldMap(baseline="GPT-4o response", candidate="GPT-4.1 response")
    assert load_files(db, [path], LoadOptions(fields=flags, fmt=fmt)).loaded == 2
    pairs = {r["prompt"]: r for r in db.query("SELECT * FROM pairs")}
    assert (pairs["Count"]["baseline_output"], pairs["Count"]["candidate_output"]) == (
        "1, 2, 3",
        "1,2,3",
    )
    assert json.loads(pairs["Say hi"]["metadata"]) == {"Notes": "ok; short", "Rating": "4"}


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("fmt", ["tsv", "jsonl"])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_utf16_with_a_byte_order_mark_is_read_as_text(tmp_path, db, encoding, fmt, gz):
    # Excel's "Unicode text" is UTF-16 TSV; PowerShell's `>` writes UTF-16 too.
    rows = [
        {
            "id": "1",
            "prompt": "Caf\u00e9 \U0001f600 \u4e2d\u6587",
            "old": "a\u00e9",
            "new": "b" * 70000,
        },
        {"id": "2", "prompt": "p", "old": "x", "new": "y"},
    ]
    text = (_as_csv(rows, "\t") if fmt == "tsv" else _as_jsonl(rows)).decode()
    data = "\ufeff".encode(encoding) + text.replace("\n", "\r\n").encode(encoding)
    path = tmp_path / f"unicode.{fmt}"
    path.write_bytes(gzip.compress(data) if gz else data)
    assert load_files(db, [path]).loaded == 2
    pairs = _pairs(db)
    assert (pairs["1"]["prompt"], pairs["1"]["baseline_output"]) == (rows[0]["prompt"], "a\u00e9")
    assert pairs["1"]["candidate_output"] == "b" * 70000


def test_utf16_that_breaks_off_is_a_clear_error(tmp_path, db):
    path = tmp_path / "cut.jsonl"
    path.write_bytes("\ufeff".encode("utf-16-le") + '{"id": "1"}\n'.encode("utf-16-le")[:-1])
    with pytest.raises(InputError, match=r"cut.jsonl \(byte \d+\): invalid UTF-16 text"):
        load_files(db, [path])


def test_cp1252_csv_is_refused_with_how_to_convert_it(tmp_path, db):
    path = tmp_path / "excel.csv"
    path.write_bytes("prompt;old;new\nCaf\u00e9 \u201cq\u201d;a;b\n".encode("cp1252"))
    with pytest.raises(InputError) as err:
        load_files(db, [path])
    assert str(err.value) == (
        f'{path}:2: not UTF-8 text (column 4); if it came from Excel, save it as "CSV UTF-8",'
        f" or convert it: iconv -f cp1252 -t utf-8 {path} > {tmp_path}/excel.utf8.csv"
    )
    path.write_bytes("R\u00e9ponse,old,new\np,a,b\n".encode("cp1252"))  # in the header
    with pytest.raises(InputError, match=r"excel.csv:1: not UTF-8 text \(column 2\); if it"):
        load_files(db, [path])


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_excel_csv_with_unnamed_empty_columns_and_blank_rows(tmp_path, db, delimiter):
    text = (
        "ID,Prompt,Old Output,New Output,Winner,,\n"
        "1,p1,a,b,new,,\n"
        ",,,,,,\n"
        "\n"
        "2,p2,c,d,old\n"  # a row that stops before the unnamed columns
        ",,,,,,\n"
    )
    path = tmp_path / "excel.csv"
    path.write_text(text.replace(",", delimiter))
    flags = FieldMap(baseline="Old Output", candidate="New Output")
    report = load_files(db, [path], LoadOptions(fields=flags))
    assert (report.loaded, report.skipped) == (2, [])
    assert json.loads(_pairs(db)["1"]["metadata"]) == {"Winner": "new"}
    # An unnamed column holding data is refused: it is not a stray column.
    path.write_text(text.replace("2,p2,c,d,old", "2,p2,c,d,old,,oops").replace(",", delimiter))
    with pytest.raises(InputError) as err:
        load_files(db, [path], LoadOptions(fields=flags))
    assert str(err.value) == (
        f"{path}:5: column 7 has no name in the header but holds 'oops';"
        " name it in the header, or delete the column"
    )
    path.write_text("prompt;old;new\n;;\np;a;b\n;;\n".replace(";", delimiter))
    assert load_files(db, [path]).loaded == 1


SHAREGPT = [
    {"from": "system", "value": "Be brief."},
    {"from": "human", "value": "Hi"},
    {"from": "gpt", "value": "Hello"},
    {"from": "human", "value": "Name a colour"},
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_sharegpt_conversations_as_prompt_and_output(tmp_path, db, fmt):
    def answer(text):  # a CSV cell's JSON text is taken as the answer itself
        return SHAREGPT + [{"from": "gpt", "value": text}] if fmt == "jsonl" else text

    rows = [{"id": "1", "conversations": SHAREGPT, "old": answer("Red"), "new": answer("Blue")}]
    path = tmp_path / f"sharegpt.{fmt}"
    path.write_bytes(_as_jsonl(rows) if fmt == "jsonl" else _as_csv(rows))
    load_files(db, [path], LoadOptions(fields=FieldMap(prompt="conversations")))
    pair = _pairs(db)["1"]
    assert decode_prompt(pair["prompt"], pair["prompt_format"]) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Name a colour"},
    ]
    assert (pair["baseline_output"], pair["candidate_output"]) == ("Red", "Blue")


def test_a_prompt_list_that_is_not_messages_says_what_is_wrong(tmp_path, db):
    path = tmp_path / "p.jsonl"
    for prompt, why in [
        (
            [{"speaker": "user", "text": "hi"}],
            "whose message 1 lacks role or content (it has speaker, text)",
        ),
        (["hi"], "whose item 1 is a string, not a message"),
    ]:
        path.write_bytes(_as_jsonl([{"id": "1", "prompt": prompt, "old": "a", "new": "b"}]))
        with pytest.raises(InputError) as err:
            load_files(db, [path])
        assert str(err.value) == (
            f"{path}:1: field 'prompt': expected a string or a list of chat"
            f" messages ({{role, content}}), got an array {why}"
        )


@pytest.mark.parametrize(
    ("old", "new", "models"),
    [
        ("GPT-4o response", "GPT-4.1 response", ("GPT-4o", "GPT-4.1")),
        ("responses.gpt-4o", "responses.gpt-4.1", ("gpt-4o", "gpt-4.1")),
        ("old_answer", "new_answer", (None, None)),  # no model in the name: none made up
    ],
)
def test_model_names_come_from_the_output_fields_when_the_rows_have_none(
    tmp_path, db, old, new, models
):
    row = {"id": "1", "prompt": "p"}
    if old.startswith("responses."):
        row["responses"] = {"gpt-4o": "a", "gpt-4.1": "b"}
    else:
        row |= {old: "a", new: "b"}
    path = tmp_path / "sheet.jsonl"
    path.write_bytes(_as_jsonl([row]))
    load_files(db, [path], LoadOptions(fields=FieldMap(baseline=old, candidate=new)))
    assert (
        db.execute("SELECT baseline_model, candidate_model FROM comparisons").fetchone() == models
    )


def test_both_sides_cut_at_the_limit_keep_their_finish_reasons_per_side(tmp_path, db):
    done = {
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "cut"},
                "finish_reason": "length",
            }
        ],
    }
    (tmp_path / "old.jsonl").write_bytes(_as_jsonl([{"id": "1", "prompt": "p", "output": done}]))
    (tmp_path / "new.jsonl").write_bytes(_as_jsonl([{"id": "1", "prompt": "p", "output": done}]))
    load_files(db, [tmp_path / "old.jsonl", tmp_path / "new.jsonl"])
    meta = json.loads(_pairs(db)["1"]["metadata"])
    assert meta["baseline"]["finish_reason"] == meta["candidate"]["finish_reason"] == "length"
    assert "finish_reason" not in meta  # a bare one would read as the candidate's alone


def test_jsonl_whose_first_line_outruns_the_sniff_window_is_streamed(tmp_path, db, monkeypatch):
    from swapview.ingest import readers

    rows = [
        {"id": str(i), "prompt": "p", "old": "word " * 20_000, "new": "text " * 20_000}
        for i in range(3)
    ]  # each line about 200 KB, past the 64 KB window
    path = tmp_path / "long.jsonl"
    path.write_bytes(_as_jsonl(rows))
    seen = []  # lengths of the texts checked for JSONL: the whole file must never be one
    check = readers._two_json_lines
    monkeypatch.setattr(
        readers, "_two_json_lines", lambda text: seen.append(len(text)) or check(text)
    )
    assert load_files(db, [path]).loaded == 3
    assert seen and max(seen) <= readers.SNIFF_BYTES
