"""Shared HTTP plumbing for model backends: retries with backoff on connection errors, timeouts
and 5xx (tenacity), and clear errors that name the server and what to do."""

from __future__ import annotations

from typing import Any

import httpx
from proofdesk.adapters.retry import retrying
from proofdesk.core.ports.captioning import CaptionerError
from tenacity import RetryError


class _Retryable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, _Retryable)


class HttpBackend:
    def __init__(self, base_url: str, timeout_s: float = 120.0, retries: int = 3, backoff_s: float = 0.5) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = max(1, retries)
        self.backoff_s = backoff_s
        self.client = httpx.Client(base_url=self.base_url, timeout=httpx.Timeout(timeout_s, connect=10.0))

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send with retries; returns the final response (4xx included) or raises CaptionerError."""
        def once() -> httpx.Response:
            try:
                response = self.client.request(method, path, **kwargs)
            except httpx.TimeoutException as exc:
                raise _Retryable(f"timed out after {self.client.timeout.read}s") from exc
            except httpx.TransportError as exc:
                raise _Retryable(f"cannot connect ({exc.__class__.__name__}: {exc})") from exc
            if response.status_code >= 500:
                raise _Retryable(f"server error {response.status_code}: {error_text(response)}")
            return response

        try:
            for attempt in retrying(self.retries, self.backoff_s, _is_retryable, max_wait_s=10, reraise=False):
                with attempt:
                    return once()
        except RetryError as exc:
            last = exc.last_attempt.exception()
            raise CaptionerError(
                f"{self.base_url}{path}: {last} (after {self.retries} attempt(s)); "
                "is the model server running and reachable at that address?"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.client.close()


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object, or a CaptionerError naming the URL and what came back instead
    (an HTML page from a proxy or another web server, a JSON list, …): not a model server's API."""
    url = str(response.request.url) if response.request is not None else "the model server"
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    try:
        data = response.json()
    except ValueError:
        shown = " ".join(response.text[:80].split())
        raise CaptionerError(
            f"{url} answered {response.status_code} with {kind}, not JSON ({shown!r}…); "
            "is that address a model server's API?"
        ) from None
    if not isinstance(data, dict):
        raise CaptionerError(
            f"{url} answered with a JSON {type(data).__name__}, not the object a model server's API sends; "
            "is that address a model server's API?"
        )
    return data


def error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            return str(error.get("message", error))[:200]
        if error:
            return str(error)[:200]
    return response.text[:200]
