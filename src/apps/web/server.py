"""Serving the web desk with uvicorn: in the foreground (`proofdesk serve`) or, for tests and
scripts, in a thread (`start_desk`), each with the URL that carries the access token."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from proofdesk.apps.web.app import desk_from_container
from proofdesk.apps.web.security import DeskKeys

if TYPE_CHECKING:
    from proofdesk.apps.container import Container


def desk_url(host: str, port: int, token: str) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/?token={token}"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


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
    port = port or free_port(host)
    app, keys = desk_from_container(container, host, port, keys=keys, cache_dir=cache_dir)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="web-desk", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the web desk did not start on {host}:{port}")
        time.sleep(0.02)
    url = desk_url(host, port, keys.token)
    return RunningDesk(url=url, base=url.split("/?", 1)[0], keys=keys, server=server, thread=thread)


def serve_forever(container: Container, host: str, port: int) -> tuple[uvicorn.Server, str]:
    """The server for `proofdesk serve` (run it with `.run()`) and the URL to print."""
    app, keys = desk_from_container(container, host, port)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    return server, desk_url(host, port, keys.token)
