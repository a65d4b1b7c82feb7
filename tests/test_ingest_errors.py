"""Bad input: one exact line naming file, line and field; nothing stored; --skip-bad."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from swapview.errors import InputError
from swapview.ingest import FieldMap, LoadOptions, load_files
from swapview.ingest.streams import GZIP_HINT

GOOD = '{"prompt": "p1", "baseline": "a", "candidate": "b"}\n'
EXPECTED = "expected JSONL, a JSON array, CSV or TSV (UTF-8 text, optionally gzip)"
_GZ = gzip.compress((GOOD * 2000).encode())

BAD_INPUTS = [
    (
        "malformed.jsonl",
        GOOD + '{"prompt": "p2", "baseline": "a"\n',
        "{p}:2: not valid JSON (Expecting ',' delimiter at column 34);"
        " expected one JSON object per line",
    ),
    (
        "missing.jsonl",
        GOOD + '{"prompt": "p2", "baseline": "a"}\n',
        "{p}:2: field 'candidate': missing; expected it in every row (this row has prompt,"
        " baseline)",
    ),
    (
        "error_output.jsonl",
        GOOD + '{"prompt": "p2", "baseline": "a", "candidate":'
        ' {"error": {"message": "Rate limit reached", "type": "requests"}, "status": 429}}\n',
        "{p}:2: field 'candidate': the output is an error response: Rate limit reached; expected"
        " the model's answer (--skip-bad loads the other rows)",
    ),
    (
        "prompttype.jsonl",
        GOOD + '{"prompt": {"x": 1}, "baseline": "a", "candidate": "b"}\n',
        "{p}:2: field 'prompt': expected a string or a list of chat messages ({{role, content}}),"
        " got object",
    ),
    (
        "badutf8.jsonl",
        (GOOD + '{"prompt": "caf\xe9", "baseline": "a", "candidate": "b"}\n').encode("latin-1"),
        "{p}:2: not UTF-8 text (column 16); convert it: iconv -f cp1252 -t"
        " utf-8 {p} > {stem}.utf8.jsonl",
    ),
    (
        "binary.jsonl",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10,
        "{p} (byte 0): not UTF-8 text; " + EXPECTED,
    ),
    ("empty.jsonl", "", "{p}: empty file; " + EXPECTED),
    ("blank.json", " \n\n", "{p}: empty file; " + EXPECTED),
    ("empty.jsonl.gz", gzip.compress(b""), "{p}: empty file; " + EXPECTED),
    (
        "csv_named.jsonl",
        "prompt,baseline,candidate\np,a,b\n",
        "{p}:1: named like JSON but the content looks like CSV (starts"
        " 'prompt,baseline,candidate\\np,a,'); fix the file or pass --format",
    ),
    (
        "json_named.csv",
        GOOD,
        "{p}:1: named like CSV but the content looks like JSON (starts"
        ' \'{{"prompt": "p1", "baseline": "\'); fix the file or pass --format',
    ),
    (
        "prose.txt",
        "hello world\nthis is prose\n",
        "{p}:1: cannot tell the format (starts 'hello world\\nthis is prose\\n'); " + EXPECTED,
    ),
    ("row_is_array.jsonl", GOOD + "[1, 2]\n", "{p}:2: expected a JSON object, got array"),
    (
        "array_truncated.json",
        "[" + GOOD.strip() + ',\n {"prompt": "p',
        "{p}:2: not valid JSON (Unterminated string starting at); expected an array element",
    ),
    ("array_of_numbers.json", "[1]", "{p}:1: expected a JSON object, got number"),
    (
        "array_trailing.json",
        "[" + GOOD.strip() + "] x",
        "{p}:1: found 'x'; expected nothing after the closing ']'",
    ),
    ("array_empty.json", "[]", "{p}: no rows; expected at least one (JSON)"),
    (
        "not_array.json",
        '"just a string"',
        "{p}:1: cannot tell the format (starts '\"just a string\"'); " + EXPECTED,
    ),
    (
        "columns.csv",
        "prompt,baseline,candidate\np,a,b\nq,a\n",
        "{p}:3: expected 3 columns as in the header, found 2",
    ),
    ("header_only.csv", "prompt,baseline,candidate\n", "{p}: no rows; expected at least one (CSV)"),
    (
        "dup_header.tsv",
        "prompt\tbaseline\tbaseline\np\ta\tb\n",
        "{p}:1: the header needs unique, non-empty column names, got ['prompt', 'baseline',"
        " 'baseline']",
    ),
    (
        # A field that may be the old answer makes this no one-sided file: say so.
        "no_baseline.jsonl",
        '{"prompt": "p", "reply": "a", "candidate": "b"}\n',
        "{p}: cannot find the baseline field (tried baseline_output, baseline, baseline_response,"
        " baseline_completion, old_output, old, old_response, output_a, ...; the rows have"
        " candidate, prompt, reply); pass --baseline-field",
    ),
    (
        "no_identity.jsonl",
        '{"baseline": "a", "candidate": "b"}\n',
        "{p}: cannot identify rows: no key field (tried key, id, question_id, custom_id,"
        " example_id, sample_id, ...) and no prompt field; pass --key or --prompt-field",
    ),
    (
        "null_key.jsonl",
        '{"id": "1", "baseline": "a", "candidate": "b"}\n'
        '{"id": null, "baseline": "a", "candidate": "b"}\n',
        "{p}:2: field 'id': expected a non-empty key, got null",
    ),
    (
        "surrogate.jsonl",
        GOOD + '{"prompt": "p2", "baseline": "\\ud800x", "candidate": "b"}\n',
        "{p}:2: field 'baseline': holds a lone UTF-16 surrogate escape (\\ud800-\\udfff without"
        " its pair); expected valid Unicode text",
    ),
    (
        "bad_choices.jsonl",
        GOOD + '{"prompt": "p2", "baseline": "a", "candidate":'
        ' [{"index": 0, "message": {"role": "assistant"}}]}\n',
        "{p}:2: field 'candidate': expected a string, or choices holding turns (FastChat),"
        " message.content or text (OpenAI)",
    ),
    (
        "truncated.jsonl.gz",
        _GZ[: len(_GZ) // 2],
        "{p} (byte {size}): gzip data ends early (truncated file); expected the rest of the"
        " compressed stream" + GZIP_HINT,
    ),
    (
        "corrupt.jsonl.gz",
        _GZ[:10] + b"\x00garbage" * 50,
        "{p} (byte 410): corrupt gzip data (Error -3 while decompressing data: invalid stored"
        " block lengths)" + GZIP_HINT,
    ),
]


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("name, content, message", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_one_exact_line_and_stores_nothing(tmp_path, db, name, content, message):
    path = _write(tmp_path, name, content)
    with pytest.raises(InputError) as caught:
        load_files(db, [path])
    assert str(caught.value) == message.format(
        p=path, size=path.stat().st_size, stem=path.with_suffix("")
    )
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM comparisons").fetchone()[0] == 0


def test_error_on_the_last_row_stores_nothing_from_that_file(tmp_path, db):
    rows = "".join(
        f'{{"id": "{i}", "prompt": "p{i}", "baseline": "a", "candidate": "b"}}\n'
        for i in range(5000)
    )
    path = _write(tmp_path, "late.jsonl", rows + '{"id": "x", "baseline": "a"}\n')
    with pytest.raises(InputError, match=r"late.jsonl:5001: field 'candidate': missing"):
        load_files(db, [path])
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 0


def test_skip_bad_loads_good_rows_and_reports_every_bad_one(tmp_path, db):
    lines = [
        GOOD,
        '{"prompt": "p2", "baseline": "a"}\n',
        "not json\n",
        '{"prompt": "p4", "baseline": "a", "candidate": {"error": "overloaded"}}\n',
        '{"prompt": "p5", "baseline": "x", "candidate": "y"}\n',
    ]
    path = _write(tmp_path, "mixed.jsonl", "".join(lines))
    report = load_files(db, [path], LoadOptions(skip_bad=True))
    assert report.loaded == 2
    assert report.skipped == [
        f"{path}:2: field 'candidate': missing; expected it in every row (this row has prompt,"
        " baseline)",
        f"{path}:3: not valid JSON (Expecting value at column 1); expected one JSON object"
        " per line",
        f"{path}:4: field 'candidate': the output is an error response: overloaded; expected"
        " the model's answer (--skip-bad loads the other rows)",
    ]


def test_skip_bad_goes_past_bad_utf8_in_csv(tmp_path, db):
    data = b"prompt,baseline,candidate\np1,a,b\n" + b"p2,\xff,b\n" + b"p3,a,c\n"
    path = _write(tmp_path, "utf.csv", data)
    report = load_files(db, [path], LoadOptions(skip_bad=True))
    assert report.loaded == 2
    assert report.skipped == [
        f'{path}:3: not UTF-8 text (column 4); if it came from Excel, save it as "CSV UTF-8",'
        f" or convert it: iconv -f cp1252 -t utf-8 {path} > {tmp_path}/utf.utf8.csv"
    ]


def test_skip_bad_does_not_hide_a_damaged_file(tmp_path, db):
    path = _write(tmp_path, "t.jsonl.gz", _GZ[: len(_GZ) // 2])
    with pytest.raises(InputError, match="gzip data ends early"):
        load_files(db, [path], LoadOptions(skip_bad=True))
    assert db.execute("SELECT count(*) FROM pairs").fetchone()[0] == 0


def test_named_field_that_does_not_exist(tmp_path, db):
    path = _write(tmp_path, "k.jsonl", GOOD)
    with pytest.raises(InputError) as caught:
        load_files(db, [path], LoadOptions(fields=FieldMap(key="qid")))
    assert str(caught.value) == (
        f"{path}: field 'qid': no such field (the rows have prompt, baseline, candidate)"
    )
