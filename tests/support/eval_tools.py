"""Real files from the real tools, for the importer tests: promptfoo results, inspect_ai
logs, llm logs databases. Each generator runs the tool offline in a subprocess and returns
the paths it wrote; the tests make them once per session.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
# Where scripts/install-test-tools put promptfoo ($SWAPVIEW_TOOLS_DIR, relative to the root)
TOOLS = ROOT / os.environ.get("SWAPVIEW_TOOLS_DIR", ".cache/tools")
PROMPTFOO = TOOLS / "node_modules" / ".bin" / "promptfoo"


def made_once(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], T]) -> T:
    """``make(folder)`` once per test session, even across xdist workers (a file lock).

    Generation takes seconds (the tools start slowly), so the workers share one copy in
    the session's common temp folder; ``make`` must return only JSON-able paths.
    """
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder, done = root / f"tool-{name}", root / f"tool-{name}.json"
    with open(root / f"tool-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            made = make(folder)
            done.write_text(json.dumps(made, default=str))
    return _paths(json.loads(done.read_text()))


def _paths(value):  # noqa: ANN001, ANN202 - JSON back to Paths
    if isinstance(value, str):
        return Path(value)
    if isinstance(value, list):
        return [_paths(v) for v in value]
    return {k: _paths(v) for k, v in value.items()}


# No traffic off the machine (FACTS.md): telemetry, update checks and sharing off, and any
# stray HTTPS request sent to a closed local port. The per-run debug and error log files are
# off too: promptfoo 0.121.20 sometimes writes to its log file after closing it at exit
# ("NodeError: write after end" from winston), which turns a finished eval into exit code 1.
PROMPTFOO_ENV = {
    "PROMPTFOO_DISABLE_TELEMETRY": "1",
    "PROMPTFOO_DISABLE_UPDATE": "1",
    "PROMPTFOO_DISABLE_SHARING": "1",
    "PROMPTFOO_DISABLE_REMOTE_GENERATION": "1",
    "PROMPTFOO_DISABLE_DEBUG_LOG": "1",
    "PROMPTFOO_DISABLE_ERROR_LOG": "1",
    "OPENAI_API_KEY": "dummy",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
}

# promptfoo's exec provider runs this with the rendered prompt; it names the model in the
# answer, and the new model fails on prompts asking it to.
ANSWER_PY = """\
import sys
model, prompt = sys.argv[1], sys.argv[2]
if "please fail" in prompt and model == "new-model":
    sys.exit("provider exploded")
print(f"[{model}] {prompt.upper()}")
"""

PROMPTFOO_CONFIG = """\
description: swapview importer test
prompts:
  - "Answer: {{question}}"
  - id: terse
    label: terse
    raw: "Briefly: {{question}}"
providers: %s
tests: file://tests.jsonl
defaultTest:
  assert:
    - type: contains
      value: "ANSWER"
"""

PROVIDERS = {
    "old-model": {"id": "exec: python3 answer.py old-model", "label": "old-model"},
    "new-model": {"id": "exec: python3 answer.py new-model", "label": "new-model"},
}

TESTS = [
    {"vars": {"question": "what is 2+2"}, "description": "arithmetic"},
    {"vars": {"question": "name a colour"}},
    {"vars": {"question": "please fail"}},
]


def promptfoo_results(workdir: Path) -> dict[str, Path]:
    """Two real evals, run at once: both providers in one file, the old provider alone."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "answer.py").write_text(ANSWER_PY)
    (workdir / "tests.jsonl").write_text("".join(json.dumps(t) + "\n" for t in TESTS))
    # A model swap under one label (the usual setup): the old run saved as results.json,
    # the new one as results.jsonl (one row per line), as `promptfoo eval -o` writes each.
    same_label = {
        "same_old": [{**PROVIDERS["old-model"], "label": "support-bot"}],
        "same_new": [{**PROVIDERS["new-model"], "label": "support-bot"}],
    }
    runs = {"both": list(PROVIDERS.values()), "old": [PROVIDERS["old-model"]], **same_label}
    out_names = {name: f"{name}.json" for name in runs} | {"same_new": "same_new.jsonl"}
    procs = {}
    for name, providers in runs.items():
        (workdir / f"{name}.yaml").write_text(PROMPTFOO_CONFIG % json.dumps(providers))
        # one config dir (promptfoo's own SQLite database) per run: they run at once
        env = {
            **os.environ,
            **PROMPTFOO_ENV,
            "PROMPTFOO_CONFIG_DIR": str(workdir / f".promptfoo-{name}"),
        }
        procs[name] = subprocess.Popen(
            [
                str(PROMPTFOO),
                "eval",
                "-c",
                f"{name}.yaml",
                "-o",
                out_names[name],
                "--no-cache",
                "--no-table",
                "--no-progress-bar",
            ],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    for name, proc in procs.items():
        out, _ = proc.communicate(timeout=120)
        # 100: some assertion failed (the failing prompt), which is expected here
        if proc.returncode not in (0, 100) or not (workdir / out_names[name]).exists():
            raise RuntimeError(f"promptfoo eval {name} failed ({proc.returncode}):\n{out}")
    return {name: workdir / out_names[name] for name in runs}


# A promptfoo JavaScript provider: unlike exec providers, it can report a finishReason, as
# promptfoo's API providers do; the new model runs out of tokens on the long story.
FINISH_PROVIDER_JS = """\
module.exports = class {
  constructor(options) { this.model = options.config.model; }
  id() { return `answer:${this.model}`; }
  async callApi(prompt) {
    const cut = this.model === "new-model" && prompt.includes("long");
    return { output: `[${this.model}] ${cut ? "It was a dark and" : prompt.toUpperCase()}`,
             finishReason: cut ? "length" : "stop" };
  }
};
"""

FINISH_CONFIG = """\
prompts: ["{{question}}"]
providers:
  - {id: "file://provider.js", label: old-model, config: {model: old-model}}
  - {id: "file://provider.js", label: new-model, config: {model: new-model}}
tests:
  - vars: {question: "tell a long story"}
  - vars: {question: "say hi"}
"""


def promptfoo_finish_reasons(workdir: Path) -> Path:
    """A real eval whose provider reports finishReason (length for one new answer)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "provider.js").write_text(FINISH_PROVIDER_JS)
    (workdir / "finish.yaml").write_text(FINISH_CONFIG)
    env = {**os.environ, **PROMPTFOO_ENV, "PROMPTFOO_CONFIG_DIR": str(workdir / ".promptfoo")}
    proc = subprocess.run(
        [
            str(PROMPTFOO),
            "eval",
            "-c",
            "finish.yaml",
            "-o",
            "finish.json",
            "--no-cache",
            "--no-table",
            "--no-progress-bar",
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode not in (0, 100) or not (workdir / "finish.json").exists():
        raise RuntimeError(
            f"promptfoo eval failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return workdir / "finish.json"


INSPECT_SCRIPT = """\
import sys
from inspect_ai import Task, eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import includes
from inspect_ai.solver import solver, system_message

out_dir = sys.argv[1]
SAMPLES = [("q1", "What is 2+2?", "4"), (2, "Capital of France?", "Paris"),
           ("boom", "Say anything", "x"), ("only-old", "An old question", "old")]
ANSWERS = {"old-model": {"q1": "4", 2: "Paris", "boom": "anything", "only-old": "old"},
           "new-model": {"q1": "four", 2: "Paris is the capital", "boom": None}}


@solver
def answer(model, answers):
    # mockllm with one custom output per call: the answer depends on the sample, not on
    # the order samples run in; the usage keeps mockllm from counting tokens (a download).
    async def solve(state, generate):
        text = answers[state.sample_id]
        if text is None:
            raise RuntimeError("sample boom exploded")
        text += f" (epoch {state.epoch})"
        # the new model runs out of tokens on sample 2: its stop reason must reach swapview
        cut = model == "new-model" and state.sample_id == 2
        out = ModelOutput.from_content(model=model, content=text,
                                       stop_reason="max_tokens" if cut else "stop")
        out.usage = ModelUsage(input_tokens=12, output_tokens=len(text.split()),
                               total_tokens=12 + len(text.split()))
        mock = get_model(f"mockllm/{model}", custom_outputs=[out])
        state.output = await mock.generate(state.messages)
        state.messages.append(state.output.message)
        return state
    return solve


for model, fmt in (("old-model", "eval"), ("new-model", "json")):
    answers = ANSWERS[model]
    samples = [Sample(id=i, input=q, target=t) for i, q, t in SAMPLES if i in answers]
    task = Task(dataset=MemoryDataset(samples), name="qa", epochs=2, scorer=includes(),
                solver=[system_message("Be brief."), answer(model, answers)])
    [log] = inspect_eval(task, model=f"mockllm/{model}", log_dir=out_dir, log_format=fmt,
                         display="none", fail_on_error=False)
    print(log.location)
"""


# What inspect records when the prompt outruns the model's context: the provider's error
# text as the "completion", stop reason model_length, nothing generated.
INSPECT_OVERFLOW_SCRIPT = """\
import sys
from inspect_ai import Task, eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import includes
from inspect_ai.solver import solver

OVERFLOW = ("This model's maximum context length is 4096 tokens. However, your messages"
            " resulted in 9133 tokens. Please reduce the length of the messages.")


@solver
def answer(model):
    async def solve(state, generate):
        if model == "new-model" and state.sample_id == "long":
            out = ModelOutput.from_content(model=model, content=OVERFLOW,
                                           stop_reason="model_length")
            out.usage = ModelUsage(input_tokens=9133, output_tokens=0, total_tokens=9133)
        else:
            out = ModelOutput.from_content(model=model, content=f"{model} answer")
            out.usage = ModelUsage(input_tokens=5, output_tokens=2, total_tokens=7)
        state.output = await get_model(f"mockllm/{model}", custom_outputs=[out]).generate(
            state.messages)
        return state
    return solve


for model in ("old-model", "new-model"):
    samples = [Sample(id="short", input="hi", target="x"),
               Sample(id="long", input="a very long ticket " * 50, target="x")]
    task = Task(dataset=MemoryDataset(samples), name="qa", scorer=includes(),
                solver=[answer(model)])
    [log] = inspect_eval(task, model=f"mockllm/{model}", log_dir=sys.argv[1],
                         display="none", fail_on_error=False)
    print(log.location)
"""


def inspect_overflow_logs(workdir: Path) -> tuple[Path, Path]:
    """Two real logs; the new model's prompt overflowed its context on sample "long"."""
    return _run_inspect(workdir, INSPECT_OVERFLOW_SCRIPT)


def inspect_logs(workdir: Path) -> tuple[Path, Path]:
    """Two real eval logs of task "qa": old model (.eval), new model (.json)."""
    return _run_inspect(workdir, INSPECT_SCRIPT)


def _run_inspect(workdir: Path, source: str) -> tuple[Path, Path]:
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "make_logs.py"
    script.write_text(source)
    env = {**os.environ, "INSPECT_LOG_DIR": str(workdir), "INSPECT_DISPLAY": "none"}
    proc = subprocess.run(
        [sys.executable, str(script), str(workdir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"inspect eval failed:\n{proc.stdout}\n{proc.stderr}")
    old, new = proc.stdout.split()
    return Path(old.removeprefix("file://")), Path(new.removeprefix("file://"))


INSPECT_FAILING_SCRIPT = """\
import sys
from inspect_ai import Task, eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import includes
from inspect_ai.solver import solver


@solver
def unreachable():
    # what a provider's client raises when its endpoint is down, without waiting on retries
    async def solve(state, generate):
        raise ConnectionError("Connection refused: could not reach the model endpoint"
                              " http://127.0.0.1:9/v1/chat/completions after 3 retries")
    return solve


# the old log ran two epochs, the new one: the old side's second epoch pairs with nothing
for model, epochs in (("old-model", 2), ("new-model", 1)):
    samples = [Sample(id=f"s{i}", input=f"question {i}", target="x") for i in range(3)]
    task = Task(dataset=MemoryDataset(samples), name="qa", epochs=epochs, scorer=includes(),
                solver=[unreachable()])
    [log] = inspect_eval(task, model=f"mockllm/{model}", log_dir=sys.argv[1],
                         display="none", fail_on_error=False)
    print(log.location)
"""


def inspect_failing_logs(workdir: Path) -> tuple[Path, Path]:
    """Two real eval logs in which every sample errored (ConnectionError): 6 old, 3 new."""
    return _run_inspect(workdir, INSPECT_FAILING_SCRIPT)


LLM_SCRIPT = """\
import json, sys
from click.testing import CliRunner
from llm.cli import cli

runner = CliRunner()
for args in json.loads(sys.argv[1]):
    result = runner.invoke(cli, ["--no-stream", *args], catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
"""


def llm_logs(
    workdir: Path,
    base_url: str,
    calls: list[list[str]],
    models: tuple[str, ...] = ("old-model", "new-model"),
) -> Path:
    """A real logs.db written by llm's own CLI, its models served from ``base_url``."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "extra-openai-models.yaml").write_text(
        "".join(f"- model_id: {m}\n  model_name: {m}\n  api_base: {base_url}\n" for m in models)
    )
    env = {**os.environ, "LLM_USER_PATH": str(workdir), "OPENAI_API_KEY": "dummy"}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LLM_SCRIPT), json.dumps(calls)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"llm failed:\n{proc.stdout}\n{proc.stderr}")
    return workdir / "logs.db"
