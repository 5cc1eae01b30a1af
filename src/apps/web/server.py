"""Serving the web desk with uvicorn: in the foreground (`proofdesk serve`) or, for tests and
scripts, in a thread (`start_desk`), each with the URL that carries the access token."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from proofdesk.apps.web.app import desk_from_container
from proofdesk.apps.web.security import DeskKeys
from proofdesk.core.domain.errors import ExternalFailure

if TYPE_CHECKING:
    from proofdesk.apps.container import Container


def desk_url(host: str, port: int, token: str) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/?token={token}"


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket already listening on `host:port` (port 0: a free one, read back with getsockname), so
    the URL is printed only once a browser or a script can connect to it."""
    address = host.strip("[]")
    sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ExternalFailure(f"the web desk cannot listen on {host}:{port}: {exc.strerror or exc}"
                              + (" (another program uses that port: choose one with --port)" if port else "")) from exc
    return sock


@dataclass
class RunningDesk:
    """A desk serving in a background thread: `url` (with the token), `base`, `keys`; `stop()`."""

    url: str
    base: str
    keys: DeskKeys
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_desk(container: Container, host: str = "127.0.0.1", port: int | None = None,
               cache_dir: Path | None = None, keys: DeskKeys | None = None) -> RunningDesk:
    """Serve the desk on `host:port` (a free port when None) in a daemon thread; returns once it listens."""
    sock = listening_socket(host, port or 0)
    port = int(sock.getsockname()[1])
    app, keys = desk_from_container(container, host, port, keys=keys, cache_dir=cache_dir)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="web-desk", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the web desk did not start on {host}:{port}")
        time.sleep(0.02)
    url = desk_url(host, port, keys.token)
    return RunningDesk(url=url, base=url.split("/?", 1)[0], keys=keys, server=server, thread=thread)


def serve_forever(container: Container, host: str, port: int) -> tuple[Callable[[], None], str]:
    """For `proofdesk serve`: a function that serves until Ctrl-C, and the URL to print, made once
    the socket listens (port 0: the free port it got)."""
    sock = listening_socket(host, port)
    port = int(sock.getsockname()[1])
    app, keys = desk_from_container(container, host, port)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    return lambda: server.run(sockets=[sock]), desk_url(host, port, keys.token)
