"""Custom tags that count as a kind (config `counts_as`): report, gates, export, triage."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.config import Config, TagConfig, load_config, tag_kinds
from swapview.errors import InputError
from swapview.report import build_report, metrics
from swapview.tagkinds import count_of_kind, kind_of, tags_of_kind
from swapview.triage.ranking import labels
from tests.support.export_data import Case, build

WRONG_FACT = '[[tags]]\nname = "wrong_fact"\nkey = "1"\ncounts_as = "regression"\n'
PLAIN_CUSTOM = '[[tags]]\nname = "wrong_fact"\nkey = "1"\n'

CASES = [
    Case("capital", "Capital of Australia?", "Canberra.", "Sydney.", tag="wrong_fact"),
    Case("greeting", "Say hi", "Hello!", "Hi there!", tag="neutral"),
    Case("sum", "2+2?", "4", "4.", tag="improvement"),
]


@pytest.fixture
def ids(db):
    return build(db, CASES)


def _config(tmp_path, monkeypatch, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("SWAPVIEW_CONFIG", str(path))
    return path


def _run(db_path, *args: str):
    return CliRunner().invoke(main, ["--db", str(db_path), *args])


@pytest.mark.parametrize(
    ("tag", "kinds", "kind"),
    [
        ("regression", None, "regression"),
        ("skip", None, "skip"),
        ("wrong_fact", None, "neutral"),
        ("wrong_fact", {"wrong_fact": "regression"}, "regression"),
        ("regression", {"wrong_fact": "regression"}, "regression"),
        ("gone_from_config", {"wrong_fact": "regression"}, "neutral"),
    ],
)
def test_kind_of(tag, kinds, kind):
    assert kind_of(tag, kinds) == kind


def test_tags_of_kind_and_counts():
    kinds = {"wrong_fact": "regression", "hallucination": "regression", "meh": "neutral"}
    assert tags_of_kind("regression", kinds) == ("regression", "hallucination", "wrong_fact")
    assert tags_of_kind("regression") == ("regression",)
    counts = {"regression": 2, "wrong_fact": 3, "meh": 5}
    assert count_of_kind(counts, "regression", kinds) == 5
    assert count_of_kind(counts, "regression") == 2


def test_config_maps_every_tag_to_its_kind():
    cfg = Config(
        tags=[
            TagConfig(name="wrong_fact", key="1", counts_as="regression"),
            TagConfig(name="meh", key="2"),
        ]
    )
    assert cfg.tag_kinds() == {
        "regression": "regression",
        "improvement": "improvement",
        "neutral": "neutral",
        "skip": "skip",
        "wrong_fact": "regression",
        "meh": "neutral",
    }
    assert tag_kinds(None)["regression"] == "regression" and "wrong_fact" not in tag_kinds()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[tags]]\nname = "wrong_fact"\nkey = "1"\ncounts_as = "regresion"\n',
            "'regression', 'improvement', 'neutral' or 'skip'",
        ),
        ('[[tags]]\nname = "wrong_fact"\nkey = "1"\ncounts_as = 1\n', "counts_as"),
        (
            '[[tags]]\nname = "regression"\nkey = "x"\ncounts_as = "improvement"\n',
            "'regression' is a default tag: it always counts as regression",
        ),
    ],
)
def test_bad_counts_as_is_a_config_error_naming_the_field(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_config(path)
    assert "tags.0.counts_as" in str(err.value) and message in str(err.value)
    assert str(path) in str(err.value)


def test_report_counts_a_regression_kind_tag(db, ids):
    kinds = {"wrong_fact": "regression"}
    report = build_report(db, "m1", kinds=kinds)
    assert report.regression_rate.value == pytest.approx(1 / 3)
    assert [c.key for c in report.top_regressions] == ["capital"]
    values = metrics(report)
    assert values["regressions"] == 1 and values["tag.wrong_fact"] == 1
    # Without the config's word, wrong_fact is a judged pair that is not a regression.
    plain = build_report(db, "m1")
    assert plain.regression_rate.value == 0.0 and plain.top_regressions == []
    assert metrics(plain)["regressions"] == 0


def test_skip_kind_tag_leaves_the_denominator(db, ids):
    report = build_report(db, "m1", kinds={"wrong_fact": "skip"})
    assert report.judged == 2 and report.regression_rate.value == 0.0


def test_cli_report_gate_trips_on_a_regression_kind_tag(db_path, ids, tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, WRONG_FACT)
    result = _run(db_path, "report", "--json", "--fail-if", "regression_rate>0")
    assert result.exit_code == 3, result.output
    data = json.loads(result.stdout)
    assert data["metrics"]["regression_rate"] == pytest.approx(1 / 3)
    assert data["tag_kinds"]["wrong_fact"] == "regression"
    markdown = _run(db_path, "report").stdout
    assert "- wrong_fact (counts as regression): 1" in markdown
    assert "`capital`" in markdown.split("## Top regressions")[1]


def test_cli_report_custom_tag_without_counts_as_is_not_a_regression(
    db_path, ids, tmp_path, monkeypatch
):
    _config(tmp_path, monkeypatch, PLAIN_CUSTOM)
    result = _run(db_path, "report", "--fail-if", "regression_rate>0")
    assert result.exit_code == 0, result.output
    assert "Regression rate: 0.0%" in result.stdout and "counts as" not in result.stdout


def test_cli_report_reads_config_option(db_path, ids, tmp_path):
    path = tmp_path / "other.toml"
    path.write_text(WRONG_FACT)
    result = _run(db_path, "report", "--config", str(path), "--fail-if", "regressions>=1")
    assert result.exit_code == 3, result.output


def test_cli_report_bad_counts_as_fails_in_one_line(db_path, ids, tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, WRONG_FACT.replace('"regression"', '"worse"'))
    result = _run(db_path, "report")
    assert result.exit_code == 1
    assert "tags.0.counts_as" in result.output and "Traceback" not in result.output


def _export(db_path, fmt: str, out) -> list[dict]:
    result = _run(db_path, "export", "-f", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text().splitlines()]


def _inspect_targets(db_path, out) -> dict[str, object]:
    return {r["id"]: r["target"] for r in _export(db_path, "inspect", out)}


def _promptfoo_similar(db_path, out) -> dict[str, object]:
    return {
        r["metadata"]["key"]: (r["metadata"]["ideal_source"], r["assert"][0]["value"])
        for r in _export(db_path, "promptfoo", out)
    }


def test_export_keeps_the_baseline_for_a_regression_kind_tag(db_path, ids, tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, WRONG_FACT)
    targets = _inspect_targets(db_path, tmp_path / "inspect.jsonl")
    assert targets["m1/capital"] == "Canberra."
    assert targets["m1/sum"] == "4."
    similar = _promptfoo_similar(db_path, tmp_path / "pf.jsonl")
    assert similar["capital"] == ("baseline", "{{baseline_output}}")


def test_export_custom_tag_without_counts_as_accepts_both(db_path, ids, tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, PLAIN_CUSTOM)
    assert _inspect_targets(db_path, tmp_path / "i.jsonl")["m1/capital"] == ["Canberra.", "Sydney."]
    similar = _promptfoo_similar(db_path, tmp_path / "pf.jsonl")
    assert similar["capital"] == ("both", ["{{baseline_output}}", "{{candidate_output}}"])


def test_export_ideal_option_overrides_the_kind(db_path, ids, tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, WRONG_FACT)
    out = tmp_path / "i.jsonl"
    result = _run(
        db_path, "export", "-f", "inspect", "-o", str(out), "--ideal", "wrong_fact=candidate"
    )
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r["target"] for r in map(json.loads, out.read_text().splitlines())}
    assert rows["m1/capital"] == "Sydney."


def test_export_leaves_out_skip_kind_tags_by_default(db_path, ids, tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, WRONG_FACT.replace('"regression"', '"skip"'))
    assert "m1/capital" not in _inspect_targets(db_path, tmp_path / "i.jsonl")
    out = tmp_path / "only.jsonl"
    result = _run(db_path, "export", "-f", "inspect", "-o", str(out), "-t", "wrong_fact")
    assert result.exit_code == 0 and "m1/capital" in out.read_text()


def test_triage_labels_follow_the_kind(db, ids):
    cid = db.execute("SELECT id FROM comparisons WHERE name = 'm1'").fetchone()[0]
    assert labels(db, cid, {"wrong_fact": "regression"})[ids["capital"]] == 1
    assert labels(db, cid)[ids["capital"]] == 0
    assert ids["capital"] not in labels(db, cid, {"wrong_fact": "skip"})


def test_cli_triage_refit_counts_a_regression_kind_tag(db_path, ids, tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, WRONG_FACT)
    result = _run(db_path, "triage", "refit", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["refit"]["regressions"] == 1
    monkeypatch.setenv("SWAPVIEW_CONFIG", str(tmp_path / "none.toml"))
    assert (
        json.loads(_run(db_path, "triage", "refit", "--json").stdout)["refit"]["regressions"] == 0
    )
