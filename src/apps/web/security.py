"""The web desk's guard, in front of every route (ADR 0024), in this order:

1. the Host header must name the bound address or localhost (no DNS rebinding): else 400;
2. every request but GET/HEAD carries the CSRF token in `X-CSRF-Token`: else 403, before anything
   else is looked at (a stale write without the header is a 403, not a 409);
3. the access token: `?token=` once (the answer sets an HttpOnly SameSite=Strict cookie; the page
   then drops the token from the address), the cookie, or `Authorization: Bearer`: else 401.

Every answer carries a Content-Security-Policy without inline script, and no referrer.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "proofdesk_desk"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "Cross-Origin-Resource-Policy": "same-origin"}
SAFE_METHODS = ("GET", "HEAD")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


WILDCARDS = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class HostPolicy:
    """The Host headers the desk answers (no DNS rebinding: a name other than localhost is refused):
    the bound address and localhost, with the bound port or none; bound to every address (0.0.0.0,
    ::), any IP address literal, since the desk is then reached by this machine's addresses."""

    host: str
    port: int

    def allows(self, header: str) -> bool:
        name, port = _split_host(header.strip().lower())
        if name is None or (port is not None and port != self.port):
            return False
        if name == "localhost":
            return True
        bound = self.host.strip("[]").lower()
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return name == bound  # a host name: only the one the desk was bound to by name
        if bound in WILDCARDS:
            return True
        if is_loopback(bound) and address.is_loopback:
            return True
        try:
            return address == ipaddress.ip_address(bound)
        except ValueError:
            return False


def _split_host(header: str) -> tuple[str | None, int | None]:
    """("127.0.0.1", 8765) from "127.0.0.1:8765", ("::1", None) from "[::1]"; (None, None) if malformed."""
    if not header:
        return None, None
    if header.startswith("["):
        end = header.find("]")
        if end < 0:
            return None, None
        name, rest = header[1:end], header[end + 1:]
        if rest and not rest.startswith(":"):
            return None, None
        port_text = rest[1:] if rest else None
    elif header.count(":") == 1:
        name, port_text = header.split(":")
    elif ":" in header:
        name, port_text = header, None  # a bare IPv6 address
    else:
        name, port_text = header, None
    if port_text is None:
        return name, None
    return (name, int(port_text)) if port_text.isdigit() else (None, None)


@dataclass(frozen=True)
class DeskKeys:
    """The access token (in the printed URL) and the CSRF token (in the page and /api/session)."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _refusal(status: int, message: str, scope: Scope) -> Response:
    path = scope.get("path", "")
    if path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return PlainTextResponse(message, status_code=status)


class DeskGuard:
    """ASGI middleware: Host, CSRF and token checks, then security headers on every answer."""

    def __init__(self, app: ASGIApp, keys: DeskKeys, hosts: HostPolicy) -> None:
        self.app = app
        self.keys = keys
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request = Request(scope)
        cookie = self.cookie_to_set(request)

        async def send_with_headers(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]
                if cookie:
                    headers.append((b"set-cookie", cookie.encode()))
                message = {**message, "headers": headers}
            await send(message)

        refusal = self.check(request)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def cookie_to_set(self, request: Request) -> str | None:
        """A GET carrying the right `?token=` is answered as it is, with the cookie that carries the
        token from then on (the page drops the token from its address)."""
        token = request.query_params.get("token")
        if request.method in SAFE_METHODS and token is not None and _same(token, self.keys.token):
            return f"{COOKIE}={self.keys.token}; HttpOnly; Path=/; SameSite=Strict"
        return None

    def check(self, request: Request) -> Response | None:
        host = request.headers.get("host", "")
        if not self.hosts.allows(host):
            return _refusal(400, f"unknown Host {host!r}: open the desk at the address `proofdesk serve` printed",
                            request.scope)
        if request.method not in SAFE_METHODS and not _same(request.headers.get("x-csrf-token"), self.keys.csrf):
            return _refusal(403, "missing or wrong X-CSRF-Token header", request.scope)
        if self.cookie_to_set(request) is not None:
            return None
        authorization = request.headers.get("authorization", "")
        bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
        if _same(request.cookies.get(COOKIE), self.keys.token) or _same(bearer, self.keys.token):
            return None
        return _refusal(401, "the desk needs its access token: open the URL `proofdesk serve` printed "
                             "(or send Authorization: Bearer TOKEN)", request.scope)
