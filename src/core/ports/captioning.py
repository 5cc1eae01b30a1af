"""Ports for the vision model: the captioner and the answer cache, and the errors they raise."""

from __future__ import annotations

from abc import ABC, abstractmethod

from proofdesk.core.domain.captioning import CaptionRequest, RuntimeInfo
from proofdesk.core.domain.errors import ExternalFailure


class CaptionerError(ExternalFailure):
    """The caption backend failed after its retries (down, timeout, 5xx): a blocking error."""


class ModelNotAvailable(CaptionerError):
    """The configured model is missing on the server or cannot see images."""


class Captioner(ABC):
    """A vision model that answers with the JSON of ANSWER_SCHEMA."""

    backend: str = "?"

    @abstractmethod
    def runtime_check(self, model: str, num_ctx: int | None = None) -> RuntimeInfo:
        """Check the server and model (exists, can see images), warm it with the load options the
        caption requests use (`num_ctx`), and report where it runs: only what the server measured.
        Raises ModelNotAvailable or CaptionerError with a message saying what to do."""

    @abstractmethod
    def answer(self, request: CaptionRequest) -> str:
        """The model's raw answer text (expected JSON). Raises CaptionerError after retries."""


class AnswerCache(ABC):
    """Model answers by (image sha256, model, prompt digest), kept outside the session journal so
    a rerun after a rollback does not pay for them again."""

    @abstractmethod
    def get(self, key: str) -> str | None: ...

    @abstractmethod
    def put(self, key: str, answer: str) -> None: ...
