"""The report: its numbers, the Wilson interval, the histogram, gates and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.errors import SwapviewError
from swapview.gates import evaluate, parse_gate
from swapview.report import (
    Section,
    build_report,
    excerpt,
    histogram,
    metrics,
    to_markdown,
    wilson,
)
from swapview.store import LoadReport, PairRecord, PairWriter, write_transaction
from tests.support.export_data import STANDARD_CASES, Case, build


@pytest.fixture
def ids(db):
    return build(db, STANDARD_CASES)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (1, 100, 0.0018, 0.0545),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval(k, n, low, high):
    interval = wilson(k, n)
    assert interval.value == k / n
    assert interval.low == pytest.approx(low, abs=1e-4)
    assert interval.high == pytest.approx(high, abs=1e-4)


def test_wilson_with_nothing_judged_is_undefined():
    assert wilson(0, 0).value is None


def test_histogram_bins():
    bins = histogram([0.0, 0.05, 0.15, 0.99, 1.0, 1.7])
    assert [b.count for b in bins] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 3]
    assert histogram([]) == []


def test_excerpt_cuts_at_a_word_on_one_line():
    assert excerpt("a\n b   c") == "a b c"
    assert excerpt("word " * 100, 22) == "word word word word…"


def test_report_numbers(db, ids):
    r = build_report(db, "m1", top=3)
    assert (r.pairs, r.reviewed, r.judged, r.stale) == (8, 7, 6, 0)
    assert r.tags == {"regression": 4, "improvement": 1, "neutral": 1, "skip": 1}
    assert r.regression_rate.value == pytest.approx(4 / 6)
    assert r.regression_rate.n == 6
    assert r.signals == {"much_shorter": 2, "json_broke": 1, "refusal_appeared": 1, "truncated": 1}
    assert r.scored == 8 and sum(b.count for b in r.histogram) == 8
    distances = [c.semantic_distance for c in r.top_regressions]
    assert len(distances) == 3 and distances == sorted(distances, reverse=True)
    by_key = {c.key: c for c in build_report(db, "m1").top_regressions}
    assert set(by_key) == {"json", "refusal", "short", "fixed"}
    assert by_key["refusal"].note == "refuses a harmless question"
    assert by_key["refusal"].candidate_excerpt.startswith("I'm sorry, but I can't")
    assert by_key["refusal"].signals == ["much_shorter", "refusal_appeared"]


def test_stale_decisions_leave_the_rate(db, ids):
    with write_transaction(db):
        PairWriter(db, 1, LoadReport()).write(
            [PairRecord("better", "What is the capital of Australia?", "x", "y")]
        )
    r = build_report(db, "m1")
    assert (r.stale, r.judged, r.reviewed) == (1, 5, 7)
    assert "improvement" not in r.tags
    assert r.regression_rate.value == pytest.approx(4 / 5)


def test_markdown(db, ids):
    text = to_markdown(build_report(db, "m1"))
    assert text.startswith("# Migration report: m1\n")
    assert "old-model → new-model" in text
    assert "- Regression rate: 66.7% (95% CI" in text
    assert "- much_shorter: 2" in text
    assert "█" in text and "8 pairs scored" in text
    assert "   - note: JSON became prose" in text


def test_empty_comparison_report(db):
    build(db, [STANDARD_CASES[-1]])  # one untagged pair
    r = build_report(db, "m1")
    assert r.regression_rate.value is None
    text = to_markdown(r)
    assert "n/a (nothing judged yet)" in text and "No regressions tagged." in text


@pytest.mark.parametrize(
    ("expr", "metric", "op", "threshold"),
    [
        ("regression_rate>0.02", "regression_rate", ">", 0.02),
        (" regression_rate >= 2% ", "regression_rate", ">=", 0.02),
        ("regressions!=0", "regressions", "!=", 0.0),
        ("signal.json_broke>=1", "signal.json_broke", ">=", 1.0),
        ("tag.hallucination>3", "tag.hallucination", ">", 3.0),
        ("regression_rate_high<1e-1", "regression_rate_high", "<", 0.1),
    ],
)
def test_parse_gate(expr, metric, op, threshold):
    gate = parse_gate(
        expr,
        {"regression_rate", "regressions", "regression_rate_high"},
        tags={"regression", "hallucination"},
    )
    assert (gate.metric, gate.op, gate.threshold) == (metric, op, pytest.approx(threshold))


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("regression_rate", "expected METRIC OP NUMBER"),
        ("regression_rate>>0.1", "expected METRIC OP NUMBER"),
        ("regression_rate > lots", "expected METRIC OP NUMBER"),
        ("regresion_rate>0.1", "unknown metric 'regresion_rate'"),
        # A misspelt tag or signal would read 0 and pass for ever.
        ("signal.json_brokee>0", "unknown signal 'json_brokee'; known: empty_output, json_broke"),
        ("signal.>0", "unknown signal ''"),
        ("tag.regresion>0", "unknown tag 'regresion'; known: hallucination, regression"),
    ],
)
def test_bad_gate_is_a_clear_error(expr, message):
    with pytest.raises(SwapviewError, match=message):
        parse_gate(expr, {"regression_rate"}, tags={"regression", "hallucination"})


def test_gates_evaluate_and_undefined_trips():
    values = {"regression_rate": 0.01, "pairs": 10, "judged_rate": None}
    gates = [
        parse_gate(e, set(values))
        for e in ("regression_rate>0.02", "pairs<10", "judged_rate>0.5", "signal.empty_output>0")
    ]
    assert [r.tripped for r in evaluate(gates, values)] == [False, False, True, False]


def test_sections_hook_adds_markdown_json_and_gateable_metrics(db, ids):
    def remaining(db, comparison):
        return Section(
            key="remaining",
            title="Estimated regressions remaining",
            markdown="About 12 (95% CI 5 to 20).",
            metrics={"estimated_regressions_remaining": 12},
        )

    r = build_report(db, "m1", sections=[remaining, lambda db, comp: None])
    assert [s.key for s in r.sections] == ["remaining"]
    assert "## Estimated regressions remaining\n\nAbout 12" in to_markdown(r)
    values = metrics(r)
    gate = parse_gate("estimated_regressions_remaining>10", set(values))
    assert evaluate([gate], values)[0].tripped


def _report(db_path, *args):
    return CliRunner().invoke(main, ["--db", str(db_path), "report", *args])


def test_cli_report_gates_exit_codes(db_path, ids):
    ok = _report(db_path, "--fail-if", "regression_rate>0.9", "--fail-if", "pairs<8")
    assert ok.exit_code == 0, ok.output
    assert "- ok: regression_rate>0.9 (regression_rate = 0.666667)" in ok.stdout
    tripped = _report(db_path, "--fail-if", "regression_rate>2%", "--fail-if", "pairs<8")
    assert tripped.exit_code == 3
    assert "FAILED: regression_rate>2%" in tripped.stderr
    assert "pairs<8" not in tripped.stderr
    bad = _report(db_path, "--fail-if", "regression_rate=>0.1")
    assert bad.exit_code == 1 and "expected METRIC OP NUMBER" in bad.output


def test_cli_report_rejects_unknown_tag_and_signal_gates(db_path, ids):
    for expr, message, listed in [
        ("signal.json_brokee>0", "unknown signal 'json_brokee'", "json_broke, json_fixed"),
        ("tag.regresion>0", "unknown tag 'regresion'", "regression, skip"),
    ]:
        result = _report(db_path, "--fail-if", expr)
        assert result.exit_code == 1, result.output
        assert message in result.stderr and listed in result.stderr


def test_cli_report_tag_gates_accept_config_and_database_tags(
    db_path, db, ids, tmp_path, monkeypatch
):
    config = tmp_path / "config.toml"
    config.write_text('[[tags]]\nname = "wrong_fact"\nkey = "f"\n')
    monkeypatch.setenv("SWAPVIEW_CONFIG", str(config))
    build(db, [Case("h", "p", "x", "y", tag="hallucination")], comparison="m2")
    gates = ["tag.wrong_fact>0", "tag.hallucination>5", "tag.skip>5", "signal.much_longer>0"]
    result = _report(db_path, "-c", "m1", *[a for g in gates for a in ("--fail-if", g)])
    assert result.exit_code == 0, result.output
    assert "- ok: tag.wrong_fact>0 (tag.wrong_fact = 0)" in result.stdout
    monkeypatch.setenv("SWAPVIEW_CONFIG", str(tmp_path / "none.toml"))
    assert _report(db_path, "-c", "m1", "--fail-if", "tag.wrong_fact>0").exit_code == 1


def test_cli_report_json(db_path, ids):
    result = _report(db_path, "-c", "m1", "--json", "--fail-if", "signal.json_broke>=1")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["pairs"] == 8 and data["tags"]["regression"] == 4
    assert data["regression_rate"]["low"] < 4 / 6 < data["regression_rate"]["high"]
    assert data["metrics"]["signal.much_shorter"] == 2
    assert data["gates"] == [
        {
            "expression": "signal.json_broke>=1",
            "metric": "signal.json_broke",
            "value": 1,
            "tripped": True,
        }
    ]


# --- Markdown from untrusted data, checked with a real CommonMark parser -----------------

HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "![](http://tracker.example/pixel.png)",
    "<img src=x onerror=alert(1)>",
    "`code` and ``more``",
    "*bold* _it_ ~~gone~~ \\[x\\](y)",
    "&lt;already escaped&gt; &amp;",
]
FORBIDDEN_TOKENS = {"html_inline", "html_block", "link_open", "image"}


def _tokens(text: str) -> list:
    from markdown_it import MarkdownIt

    flat = []
    for token in MarkdownIt("commonmark").parse(text):
        flat.append(token)
        flat += token.children or []
    return flat


def _inline_text(tokens: list) -> str:
    return "".join(t.content for t in tokens if t.type in ("text", "code_inline"))


@pytest.mark.parametrize(
    "key", ["plain", "a`b", "`lead", "trail`", "``double``", " spaced ", "<b>", "a  b", "`"]
)
def test_md_code_holds_any_key(key):
    from swapview.mdsafe import md_code

    code = [t for t in _tokens(md_code(key)) if t.type == "code_inline"]
    assert [t.content for t in code] == [" ".join(key.split()) or " "]


@pytest.mark.parametrize(
    "text",
    [
        *HOSTILE,
        "# heading",
        "- item",
        "1. one",
        "10) ten",
        "> quote",
        "---",
        "+ x",
        "=== x",
        "| a | b |",
        "json_broke and _x_",
    ],
)
def test_md_text_renders_as_itself_at_a_line_start(text):
    from swapview.mdsafe import md_text

    tokens = _tokens(f"- {md_text(text, line_start=True)}\n")
    assert not FORBIDDEN_TOKENS & {t.type for t in tokens}
    assert [t.type for t in tokens if t.type.endswith("_open")] == [
        "bullet_list_open",
        "list_item_open",
        "paragraph_open",
    ]
    assert _inline_text(tokens) == text


def test_markdown_shows_untrusted_text_literally_and_keeps_items_in_the_list(db):
    cases = [
        Case(
            f"k{i:02d}`{HOSTILE[i % len(HOSTILE)]}",
            "p",
            f"old {i} {HOSTILE[i % 7]}",
            f"new {i} {HOSTILE[(i + 1) % 7]} " + "x" * i,
            tag="regression",
            note=f"note {HOSTILE[(i + 2) % 7]}",
            reviewer=HOSTILE[(i + 3) % 7],
        )
        for i in range(11)
    ]
    cases.append(Case("t", "p", "a", "b", tag="# <i>tag</i> [t](javascript:x)"))
    build(db, cases, comparison="<b>c</b>")
    report = build_report(db, "<b>c</b>", top=11)
    tokens = _tokens(to_markdown(report))
    assert not FORBIDDEN_TOKENS & {t.type for t in tokens}
    text = _inline_text(tokens)
    for hostile in HOSTILE:
        assert hostile in text
    assert "Migration report: <b>c</b>" in text and "# <i>tag</i> [t](javascript:x): 1" in text
    assert {t.content for t in tokens if t.type == "code_inline"} >= {c.key for c in cases[:11]}
    # One ordered list of 11 items, each with its own note/old/new bullet list.
    ordered = [t for t in tokens if t.type == "ordered_list_open"]
    assert len(ordered) == 1
    items = _ordered_items(tokens)
    assert len(items) == 11
    for item in items:
        bullets = [content.split(":")[0] for content in item[1:]]
        assert bullets == ["note", "old", "new"]


def _ordered_items(tokens: list) -> list[list[str]]:
    """The inline contents in each item of the (only) ordered list, nested lists included."""
    items: list[list[str]] = []
    level = None
    for t in tokens:
        if t.type == "ordered_list_open":
            level = t.level + 1
        elif t.type == "ordered_list_close":
            level = None
        elif level is not None and t.type == "list_item_open" and t.level == level:
            items.append([])
        elif level is not None and t.type == "inline":
            items[-1].append(t.content)
    return items


def test_stats_report_and_status_line_count_tags_by_one_rule(db, db_path, ids):
    """A stale decision is reviewed, counted apart, and under no tag, wherever it shows."""
    from swapview.queue import progress

    with write_transaction(db):
        PairWriter(db, 1, LoadReport()).write(
            [PairRecord("better", "What is the capital of Australia?", "x", "y")]
        )
    runner = CliRunner()
    stats = json.loads(runner.invoke(main, ["--db", str(db_path), "stats", "--json"]).output)
    report = json.loads(
        runner.invoke(main, ["--db", str(db_path), "report", "-c", "m1", "--json"]).output
    )
    [row] = [s for s in stats if s["comparison"] == "m1"]
    status = progress(db.conn, _comparison_id(db))
    assert row["tags"] == report["tags"] == status.tags
    assert "improvement" not in row["tags"]
    assert row["stale"] == report["stale"] == status.stale == 1
    assert row["reviewed"] == report["reviewed"] == status.reviewed == 7
    assert "(1 stale)" in status.summary()


def _comparison_id(db) -> int:
    return db.execute("SELECT id FROM comparisons WHERE name = 'm1'").fetchone()[0]
