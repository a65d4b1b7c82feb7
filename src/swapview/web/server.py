"""The web server behind `swapview serve`: one review app process per browser tab.

textual-serve's `AppService` runs a Textual app as a subprocess and relays it over a
websocket; everything around it (binding, the page, which requests are accepted) is
ours, because textual-serve has no authentication and its stock page loads a web font
from the internet. This module never imports Textual: only the tab processes do.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from string import Template
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

log = logging.getLogger("swapview.serve")

STATIC = files("textual_serve") / "static"
PAGE = Template((files("swapview.web") / "page.html").read_text(encoding="utf-8"))
QUIT_GRACE_SECONDS = 3.0
SECURITY_HEADERS = {
    # The page drives a tagging session: never inside someone else's frame (clickjacking),
    # never cached, and no referrer leaks the host name to the links it might open.
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class ServeSettings:
    """What the server needs: where to listen and what each tab runs."""

    host: str
    port: int
    tab_command: str
    title: str = "swapview"
    public: bool = False
    # Each tab is a review app process (about 50 MB): 50 tabs once made 100 processes and
    # 2.4 GB. Past the cap a new tab gets a page saying so instead of another process.
    max_tabs: int = 12


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0 picks a free one), bound before the
    server starts so the printed URL carries the real port."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def url_for(sock: socket.socket) -> str:
    """The http URL a browser on this machine uses to reach the socket."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def host_allowed(host_header: str | None, public: bool) -> bool:
    """On loopback, only loopback Host headers: a web page that rebinds its own DNS name
    to 127.0.0.1 (DNS rebinding) still sends its own name and is refused."""
    if public:
        return True
    if not host_header:
        return False
    return is_loopback(urlsplit(f"//{host_header}").hostname or "")


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """Browsers let any page open a websocket anywhere and send its Origin: accept only
    our own page (same host and port), so another site cannot drive a session."""
    if origin is None:  # not a browser (curl, a test client): nothing to hijack
        return True
    if not host_header:
        return False
    return urlsplit(origin).netloc.lower() == host_header.lower()


async def _no_content(_request: web.Request) -> web.Response:
    return web.Response(status=204)


class TabServer:
    """The aiohttp application: the page, its static files and the websocket."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.downloads = DownloadManager()
        self.services: set[AppService] = set()

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/ws", self.websocket),
                web.static("/static", str(STATIC)),
                web.get("/favicon.ico", _no_content),
            ]
        )
        app.on_shutdown.append(self._stop_all)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        if not host_allowed(request.headers.get("Host"), self.settings.public):
            return web.Response(status=403, text="swapview serve: this Host is not served\n")
        response = await handler(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def full(self) -> bool:
        return len(self.services) >= self.settings.max_tabs

    def _full_page(self) -> web.Response:
        text = (
            f"swapview serve: {len(self.services)} tabs are open, the most this server runs"
            f" (--max-tabs {self.settings.max_tabs}). Close a tab, then reload this page.\n"
        )
        return web.Response(status=503, text=text, headers={"Retry-After": "10"})

    async def index(self, request: web.Request) -> web.Response:
        if self.full():
            return self._full_page()
        scheme = "wss" if request.secure else "ws"
        try:
            font_size = max(8, min(int(request.query.get("fontsize", "16")), 40))
        except ValueError:
            font_size = 16
        page = PAGE.substitute(
            title=html.escape(self.settings.title),
            websocket_url=html.escape(f"{scheme}://{request.host}/ws"),
            font_size=font_size,
        )
        return web.Response(text=page, content_type="text/html")

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        if not origin_allowed(request.headers.get("Origin"), request.headers.get("Host")):
            return web.Response(status=403, text="swapview serve: cross-site websocket refused\n")
        if self.full():
            return self._full_page()
        ws = web.WebSocketResponse(heartbeat=15)
        await ws.prepare(request)

        async def close() -> None:
            await ws.close()

        service = AppService(
            self.settings.tab_command,
            write_bytes=ws.send_bytes,
            write_str=ws.send_str,
            close=close,
            download_manager=self.downloads,
        )
        width, height = (
            _size(request.query.get("width"), 80),
            _size(request.query.get("height"), 24),
        )
        self.services.add(service)
        log.info("tab opened (%d open)", len(self.services))
        try:
            await service.start(width, height)
            await _relay(ws, service)
        finally:
            self.services.discard(service)
            await _stop(service)
            log.info("tab closed (%d open)", len(self.services))
        return ws

    async def _stop_all(self, _app: web.Application) -> None:
        await asyncio.gather(*(_stop(s) for s in list(self.services)))


async def _relay(ws: web.WebSocketResponse, service: AppService) -> None:
    """Browser to app: keys, resizes, focus; the app's output goes back through
    the AppService's write callbacks."""
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            kind, *rest = message.json()
        except (ValueError, TypeError):
            continue
        data = rest[0] if rest else None
        if kind == "stdin" and isinstance(data, str):
            await service.send_bytes(data.encode("utf-8"))
        elif kind == "resize" and isinstance(data, dict):
            await service.set_terminal_size(
                _size(data.get("width"), 80), _size(data.get("height"), 24)
            )
        elif kind == "ping":
            await ws.send_json(["pong", data])
        elif kind == "blur":
            await service.blur()
        elif kind == "focus":
            await service.focus()


async def _stop(service: AppService) -> None:
    """Ask the app to quit; kill it if it has not within a few seconds, so no tab
    process outlives the server."""
    try:
        await asyncio.wait_for(service.stop(), QUIT_GRACE_SECONDS)
    except (TimeoutError, ConnectionError, RuntimeError) as exc:
        log.warning("tab process did not quit (%s); killing it", type(exc).__name__)
    process = service._process  # textual-serve keeps it private; we only kill a straggler
    if process is not None and process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def _size(value: object, default: int) -> int:
    try:
        return max(10, min(int(value), 1000))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def serve(settings: ServeSettings, announce: Callable[[str], None]) -> None:
    """Bind, tell the caller the URL, serve until SIGINT/SIGTERM."""
    sock = bind_socket(settings.host, settings.port)
    announce(url_for(sock))
    web.run_app(
        TabServer(settings).make_app(),
        sock=sock,
        print=None,
        access_log=None,
        shutdown_timeout=QUIT_GRACE_SECONDS + 2,
    )
