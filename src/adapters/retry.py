"""The one retry policy of the adapters that talk to a server (FTP, the gallery database, model
servers): a bounded number of attempts with exponential backoff, retrying only what the adapter
says is transient (a broken connection, a timeout, a 5xx reply); everything else fails at once."""

from __future__ import annotations

from collections.abc import Callable

from tenacity import Retrying, retry_if_exception, retry_if_exception_type, stop_after_attempt, wait_exponential


def retrying(attempts: int, backoff_s: float, transient: type[BaseException] | Callable[[BaseException], bool], *,
             max_wait_s: float | None = None, reraise: bool = True) -> Retrying:
    """A tenacity `Retrying` for `for attempt in retrying(...): with attempt: ...`.

    `transient` is the exception type (or a predicate) worth another attempt; waits grow from
    `backoff_s` and are capped at `max_wait_s` (default ten times the backoff, at least 1 s). With
    `reraise` the last attempt's exception propagates, otherwise tenacity's `RetryError`.
    """
    retry = retry_if_exception_type(transient) if isinstance(transient, type) else retry_if_exception(transient)
    return Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff_s, max=10 * max(backoff_s, 0.1) if max_wait_s is None else max_wait_s),
        retry=retry,
        reraise=reraise,
    )
