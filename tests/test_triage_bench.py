"""bench/triage.py: bad input names file and line; a labelled file gives the JSON last line."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import pytest

from swapview.errors import InputError
from tests.conftest import ROOT


def _bench():
    spec = importlib.util.spec_from_file_location("bench_triage", ROOT / "bench" / "triage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path: Path, rows: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    return path


def test_bad_line_names_file_line_and_field(tmp_path: Path) -> None:
    bench = _bench()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"baseline_output": "a", "candidate_output": "b"}\n{not json\n')
    with pytest.raises(InputError, match=r"bad.jsonl:2: not JSON"):
        bench.read_pairs(bad)
    bad.write_text('{"baseline_output": 3, "candidate_output": "b"}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:1: field 'baseline_output'"):
        bench.read_pairs(bad)


def test_runs_on_a_small_labelled_file_and_skips_unlabelled(tmp_path, capsys) -> None:
    rows = [
        {
            "prompt": f"q{i}",
            "baseline_output": "A long and careful answer. " * 6,
            "candidate_output": "Short." if i % 6 == 0 else "A long and careful answer. " * 6,
            "preference": "baseline" if i % 6 == 0 else "tie",
        }
        for i in range(60)
    ]
    labelled = _write(tmp_path / "mine.jsonl.gz", rows)
    unlabelled = _write(tmp_path / "none.jsonl.gz", [dict(r, preference=None) for r in rows])
    cache = tmp_path / "embeddings.db"  # not the repo's bench/.cache
    assert _bench().main([str(labelled), str(unlabelled), "--cache", str(cache)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert any("none.jsonl.gz: no labels, skipped" in line for line in out)
    summary = json.loads(out[-1])
    assert list(summary) == ["mine.jsonl.gz"]
    # Every regression is the shortened answer: the prior alone finds them all first.
    assert summary["mine.jsonl.gz"]["learned"] == 1.0
    assert summary["mine.jsonl.gz"]["random"] == 0.2


def test_a_file_without_regressions_says_so_and_gives_nulls(tmp_path, capsys) -> None:
    rows = [
        {
            "prompt": f"q{i}",
            "baseline_output": "a " * (i + 1),
            "candidate_output": "b",
            "preference": "tie" if i % 2 else "candidate",
        }
        for i in range(30)
    ]
    path = _write(tmp_path / "ties.jsonl.gz", rows)
    assert _bench().main([str(path), "--embedder", "none"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert any("no regressions among the labels" in line for line in out)
    assert not any("goal 0.6" in line for line in out)
    summary = json.loads(out[-1])  # strict JSON: no NaN
    assert summary["ties.jsonl.gz"]["learned"] is None


def _labelled(preferences: list[str | None]) -> list[dict]:
    """Regressions (whatever the label spells) are the shortened answers."""
    long = "A long and careful answer. " * 6
    return [
        {
            "prompt": f"q{i}",
            "baseline_output": long,
            "candidate_output": "Short." if str(p).lower() == "baseline" else long,
            "preference": p,
        }
        for i, p in enumerate(preferences)
    ]


def test_preference_spelt_in_any_case_counts(tmp_path, capsys) -> None:
    prefs = ["Baseline" if i % 6 == 0 else ("TIE" if i % 2 else "Candidate") for i in range(60)]
    path = _write(tmp_path / "caps.jsonl.gz", _labelled(prefs))
    assert _bench().main([str(path), "--embedder", "none"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert "caps.jsonl.gz: 60 labelled pairs, 10 regressions" in out[0]
    assert json.loads(out[-1])["caps.jsonl.gz"]["learned"] == 1.0


@pytest.mark.parametrize("bad", ["model_a", "worse", 1, True, ""])
def test_unknown_preference_names_file_line_field_and_value(tmp_path, capsys, bad) -> None:
    rows = _labelled(["baseline", "tie", bad])
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(InputError, match=rf"bad.jsonl:3: field 'preference': .*{bad!r}"):
        _bench().read_pairs(path)
    assert _bench().main([str(path), "--embedder", "none"]) == 1
    err = capsys.readouterr().err
    assert "bad.jsonl:3: field 'preference'" in err and repr(bad) in err


@pytest.mark.parametrize("field", ["baseline_output", "candidate_output"])
def test_missing_output_names_file_line_and_field(tmp_path, field) -> None:
    rows = _labelled(["baseline", "tie"])
    del rows[1][field]
    path = tmp_path / "gap.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(InputError, match=rf"gap.jsonl:2: field '{field}': missing"):
        _bench().read_pairs(path)


def test_null_outputs_and_missing_preference_still_load(tmp_path) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text('{"prompt": "p", "baseline_output": null, "candidate_output": "b"}\n')
    assert _bench().read_pairs(path)[0]["preference"] is None


def test_embedder_none_says_semantic_distance_is_turned_off(tmp_path, capsys) -> None:
    prefs = ["baseline" if i % 6 == 0 else "tie" for i in range(60)]
    path = _write(tmp_path / "off.jsonl.gz", _labelled(prefs))
    assert _bench().main([str(path), "--embedder", "none"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("semantic_distance"))
    assert "turned off (--embedder none)" in line
    assert "needs swapview.scoring" not in out


def test_best_single_feature_skips_features_without_a_value(tmp_path, capsys) -> None:
    # A tiny file where nothing but the (turned off) semantic distance could be "best".
    rows = [
        {"prompt": "p", "baseline_output": "same", "candidate_output": "same", "preference": p}
        for p in ("baseline", "tie", "candidate", "tie")
    ]
    path = _write(tmp_path / "tiny.jsonl.gz", rows)
    assert _bench().main([str(path), "--embedder", "none"]) == 0
    goal = next(x for x in capsys.readouterr().out.splitlines() if "goal 0.6" in x)
    assert "nan" not in goal and "semantic_distance" not in goal
    assert "no single feature varies" in goal


def test_cache_path_is_an_option(tmp_path, capsys) -> None:
    prefs = ["baseline" if i % 6 == 0 else "tie" for i in range(30)]
    path = _write(tmp_path / "c.jsonl.gz", _labelled(prefs))
    cache = tmp_path / "sub" / "vectors.db"
    assert _bench().main([str(path), "--embedder", "static", "--cache", str(cache)]) == 0
    import sqlite3

    with sqlite3.connect(cache) as conn:
        # Two distinct texts in the file: both embedded once, into the named cache.
        assert conn.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 2
