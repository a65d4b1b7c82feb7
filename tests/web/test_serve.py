"""`swapview serve` without a browser: what it accepts, refuses and prints, and tab
sessions driven over the real websocket protocol (the page's JSON messages)."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner

from swapview.cli import main
from swapview.web.names import reviewer_problem
from swapview.web.server import host_allowed, is_loopback, origin_allowed
from tests.tui.fixtures import make_db
from tests.tui.helpers import decision
from tests.web.serving import serving

_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("app.localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("host_header", "public", "allowed"),
    [
        ("127.0.0.1:8000", False, True),
        ("localhost:8000", False, True),
        ("[::1]:8000", False, True),
        ("attacker.example:8000", False, False),  # DNS rebinding: the page keeps its own name
        (None, False, False),
        ("attacker.example:8000", True, True),
        ("10.1.2.3:8000", True, True),
    ],
)
def test_host_allowed(host_header: str | None, public: bool, allowed: bool) -> None:
    assert host_allowed(host_header, public) is allowed


@pytest.mark.parametrize(
    ("origin", "host_header", "allowed"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("http://localhost:9000", "localhost:9000", True),  # ssh -L 9000:127.0.0.1:8000
        (None, "127.0.0.1:8000", True),
        ("https://attacker.example", "127.0.0.1:8000", False),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", False),
        ("null", "127.0.0.1:8000", False),
        ("http://127.0.0.1:8000", None, False),
    ],
)
def test_origin_allowed(origin: str | None, host_header: str | None, allowed: bool) -> None:
    assert origin_allowed(origin, host_header) is allowed


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Dana", True),
        ("Dana Web", True),
        ("d.o'brien@example", True),
        ("Zoë", True),
        ("", False),
        ("   ", False),
        (" dana", False),
        ("x" * 65, False),
        ("a\x1b[2Jb", False),
        ("tab\there", False),
    ],
)
def test_reviewer_names(name: str, ok: bool) -> None:
    assert (reviewer_problem(name) is None) is ok


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "add --public if you mean it"),
        (["--host", "192.168.1.20"], "has no login"),
        (["--reviewer", "a\x07b"], "no control characters"),
        (["--comparison", "nope"], "no comparison named 'nope'"),
        (["--port", "70000"], "70000 is not in the range"),
    ],
)
def test_refusals(db_path: Path, args: list[str], message: str) -> None:
    make_db(db_path, n_extra=0)
    result = CliRunner().invoke(main, ["--db", str(db_path), "serve", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_refuses_a_missing_or_empty_database(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    result = CliRunner().invoke(main, ["--db", str(missing), "serve"])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not missing.exists()


def test_port_in_use_is_one_clear_line(db_path: Path) -> None:
    make_db(db_path, n_extra=0)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["--db", str(db_path), "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


class Tab:
    """One tab over the page's websocket protocol, without a browser."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.raw: list[str] = []

    def text(self) -> str:
        return _ESCAPES.sub("", "".join(self.raw))

    async def wait_for(self, needle: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            msg = await asyncio.wait_for(self.ws.receive(), max(deadline - time.monotonic(), 0.01))
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.raw.append(msg.data.decode("utf-8", "replace"))
            elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                raise AssertionError(f"tab closed before showing {needle!r}:\n{self.text()}")

    async def keys(self, data: str) -> None:
        await self.ws.send_json(["stdin", data])


def wait_for_decision(db_path: Path, key: str, want: tuple, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while (got := decision(db_path, key)) != want:
        assert time.monotonic() < deadline, f"{key}: database has {got}, expected {want}"
        time.sleep(0.05)


@pytest.mark.slow  # a real `swapview serve` process
async def test_each_tab_is_its_own_reviewer(db_path: Path) -> None:
    make_db(db_path, n_extra=3)
    with serving(db_path) as served:
        url, printed = served.url, served.printed
        assert "each tab asks for a reviewer name" in "\n".join(printed)
        ws_url = url.replace("http", "ws") + "ws?width=100&height=30"
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(ws_url, headers={"Origin": url.rstrip("/")}) as ws_a,
            http.ws_connect(ws_url) as ws_b,
        ):
            ana, ben = Tab(ws_a), Tab(ws_b)
            for tab, name in ((ana, "ana"), (ben, "ben")):
                await tab.wait_for("Who is reviewing?")
                await tab.keys(name + "\r")
                await tab.wait_for("order-status")
                await tab.wait_for("0 of 8 reviewed")
            await ana.keys("r")
            await ben.keys("j")
            await ben.wait_for("2/8")
            await ben.keys("i")
            await asyncio.to_thread(
                wait_for_decision, db_path, "order-status", ("regression", "ana", None)
            )
            await asyncio.to_thread(
                wait_for_decision, db_path, "refund", ("improvement", "ben", None)
            )


@pytest.mark.slow  # a real `swapview serve` process
async def test_reviewer_flag_skips_the_prompt(db_path: Path) -> None:
    make_db(db_path, n_extra=0)
    with serving(db_path, "--reviewer", "Cleo") as served:
        url, printed = served.url, served.printed
        assert "as Cleo" in "\n".join(printed)
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(url.replace("http", "ws") + "ws") as ws,
        ):
            tab = Tab(ws)
            await tab.wait_for("0 of 5 reviewed")
            assert "Who is reviewing?" not in tab.text()
            await tab.keys("s")
            await asyncio.to_thread(
                wait_for_decision, db_path, "order-status", ("skip", "Cleo", None)
            )
            assert served.tab_processes()
        # Closing the tab ends its app process, not only the server's stop.
        await asyncio.to_thread(served.wait_for_no_tabs)


@pytest.mark.slow  # a real `swapview serve` process
async def test_foreign_hosts_and_origins_are_refused(db_path: Path) -> None:
    make_db(db_path, n_extra=0)
    with serving(db_path) as served:
        url = served.url
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as page:
                assert page.status == 200
                assert page.headers["X-Frame-Options"] == "DENY"
                body = await page.text()
            assert "googleapis" not in body and "http" not in body.replace(url[:-1], "")
            async with http.get(url, headers={"Host": "attacker.example"}) as rebound:
                assert rebound.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(
                    url.replace("http", "ws") + "ws", headers={"Origin": "https://attacker.example"}
                )
            assert refused.value.status == 403


@pytest.mark.slow  # a real `swapview serve` process
async def test_public_needs_the_flag_and_warns(db_path: Path) -> None:
    make_db(db_path, n_extra=0)
    with serving(db_path, "--public") as served:
        url, printed = served.url, served.printed
        async with (
            aiohttp.ClientSession() as http,
            http.get(url, headers={"Host": "review-box.internal:8000"}) as page,
        ):
            assert page.status == 200  # any name reaches it: that is what --public means
    text = "\n".join(printed)
    assert "NO login" in text and "0.0.0.0" in text
    assert "ssh -L" in text


async def test_tabs_past_the_cap_get_a_page_not_a_process(db_path: Path) -> None:
    make_db(db_path, n_extra=0)
    with serving(db_path, "--reviewer", "Cleo", "--max-tabs", "1") as served:
        url = served.url
        ws_url = url.replace("http", "ws") + "ws"
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
            await Tab(ws).wait_for("0 of 5 reviewed")
            running = served.tab_processes()
            async with http.get(url) as page:
                assert page.status == 503
                assert "--max-tabs 1" in await page.text()
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(ws_url)
            assert refused.value.status == 503
            assert served.tab_processes() == running  # no process for the refused tab
        await asyncio.to_thread(served.wait_for_no_tabs)
        async with aiohttp.ClientSession() as http, http.get(url) as page:
            assert page.status == 200  # the closed tab freed its place
