"""Writes llm-0.31-logs.sqlite: a real logs.db from llm 0.31.1, the last release that
logged to the ``responses`` table (kept as the binary the tool wrote; vacuumed).

Run once by hand (it needs llm 0.31.1 in its own venv and reaches only 127.0.0.1):
    python3 -m venv /tmp/llm031 && /tmp/llm031/bin/pip install llm==0.31.1 httpx
    PYTHONPATH=. python tests/data/make_llm_0_31_logs.py /tmp/llm031/bin/llm
Two OpenAI-compatible models (served by tests/support/openai_server.py, which names the
model in each answer) answer the same prompts; one prompt only the old model saw, one
prompt was asked twice, one has a system prompt, one a fragment, one is a conversation.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.openai_server import FakeOpenAI

HERE = Path(__file__).parent


def main(llm: str) -> None:
    with tempfile.TemporaryDirectory() as home, FakeOpenAI() as srv:
        Path(home, "extra-openai-models.yaml").write_text(
            "".join(
                f"- model_id: {m}\n  model_name: {m}\n  api_base: {srv.base_url}\n"
                for m in ("old-model", "new-model")
            )
        )
        Path(home, "context.txt").write_text("The sky is blue.\n")
        env = dict(os.environ, LLM_USER_PATH=home, OPENAI_API_KEY="dummy")

        def run(*args: str) -> None:
            subprocess.run([llm, "--no-stream", *args], env=env, check=True, capture_output=True)

        for model in ("old-model", "new-model"):
            run("-m", model, "What is 2+2?")
            run("-m", model, "-s", "Answer in French.", "Name a colour")
            run("-m", model, "-f", f"{home}/context.txt", "What colour is the sky?")
            run("-m", model, "Tell me a joke")
            run("-m", model, "-c", "Another one")
        run("-m", "old-model", "Only the old model saw this")
        run("-m", "new-model", "What is 2+2?")
        target = HERE / "llm-0.31-logs.sqlite"
        target.unlink(missing_ok=True)
        conn = sqlite3.connect(Path(home, "logs.db"))
        conn.execute("VACUUM INTO ?", [str(target)])
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1])
