"""The web desk's guard, in front of every route (ADR 0024), in this order:

1. the Host header must name the bound address or localhost (no DNS rebinding): else 400;
2. every request but GET/HEAD carries the CSRF token in `X-CSRF-Token`: else 403, before anything
   else is looked at (a stale write without the header is a 403, not a 409);
3. the access token: `?token=` once (answered by a redirect that sets an HttpOnly SameSite=Strict
   cookie and drops the token from the address), the cookie, or `Authorization: Bearer`: else 401.

Every answer carries a Content-Security-Policy without inline script, and no referrer.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
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


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host headers the desk answers: the bound address and localhost, with or without the port."""
    bound = f"[{host}]" if ":" in host and not host.startswith("[") else host
    names = {bound, "localhost"} | ({"127.0.0.1", "[::1]"} if is_loopback(host) else set())
    return frozenset(names | {f"{name}:{port}" for name in names})


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

    def __init__(self, app: ASGIApp, keys: DeskKeys, hosts: frozenset[str]) -> None:
        self.app = app
        self.keys = keys
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        refusal = self.check(Request(scope))
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def check(self, request: Request) -> Response | None:
        host = request.headers.get("host", "").lower()
        if host not in self.hosts:
            return _refusal(400, f"unknown Host {host!r}: open the desk at the address `proofdesk serve` printed",
                            request.scope)
        if request.method not in SAFE_METHODS and not _same(request.headers.get("x-csrf-token"), self.keys.csrf):
            return _refusal(403, "missing or wrong X-CSRF-Token header", request.scope)
        query_token = request.query_params.get("token")
        if request.method in SAFE_METHODS and query_token is not None and _same(query_token, self.keys.token):
            # the token leaves the address bar (and the history) at once; the cookie carries it from here
            clean = URL(str(request.url)).remove_query_params("token")
            response = RedirectResponse(clean.path + (f"?{clean.query}" if clean.query else ""), status_code=303)
            response.set_cookie(COOKIE, self.keys.token, httponly=True, samesite="strict", path="/")
            return response
        authorization = request.headers.get("authorization", "")
        bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
        if _same(request.cookies.get(COOKIE), self.keys.token) or _same(bearer, self.keys.token):
            return None
        return _refusal(401, "the desk needs its access token: open the URL `proofdesk serve` printed "
                             "(or send Authorization: Bearer TOKEN)", request.scope)
