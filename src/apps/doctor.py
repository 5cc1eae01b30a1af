"""`proofdesk doctor`'s checks: probe each configured adapter once and say what answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proofdesk.apps.config import Settings
    from proofdesk.apps.container import Container

FALLBACK_WARNING = "a scorer runs its documented fallback formula (marked *_fallback on rows)"


def run_checks(settings: Settings, container: Container) -> list[dict[str, Any]]:
    """One dict per check: `check`, `ok`, `detail` and, for a scorer on its fallback, `warning`."""
    from proofdesk.core.domain.errors import ProofdeskError

    def storage() -> str:
        store = container.queue_store()
        with store.unit_of_work() as uow:
            total = sum(uow.rows.counts().values())
        return f"{store.description}: {total} row(s)"

    def workdir() -> str:
        path = settings.workdir_path
        path.mkdir(parents=True, exist_ok=True)
        probe_file = path / ".doctor-probe"
        probe_file.write_text("ok")
        probe_file.unlink()
        return f"{path} is writable"

    def captioner() -> str:
        return container.captioner().runtime_check(settings.captioner.model,
                                                  num_ctx=settings.captioner.num_ctx).describe()

    mismatch: list[str] = []

    def scorers() -> str:
        quality = container.quality_scorer()
        aesthetic = container.aesthetic_scorer()
        detail = f"BRISQUE: {quality.describe()}; aesthetic: {aesthetic.describe()}"
        if getattr(aesthetic, "embedding_mismatch", None):
            mismatch.append(aesthetic.embedding_mismatch)  # type: ignore[attr-defined]
        return detail

    def uploader() -> str:
        target = container.uploader()
        try:
            target.list_dir("/")
        finally:
            target.close()
        return f"{target.description} reachable"

    def gallery() -> str:
        target = container.gallery()
        names = target.file_names()
        return f"{target.description}: {len(names)} published file name(s)"

    probes: list[tuple[str, Callable[[], str]]] = [
        ("storage", storage), ("workdir", workdir), ("captioner", captioner),
        ("scorers", scorers), ("uploader", uploader), ("gallery", gallery),
    ]
    checks: list[dict[str, Any]] = []
    for name, probe in probes:
        try:
            checks.append({"check": name, "ok": True, "detail": probe()})
        except (ProofdeskError, OSError) as exc:
            checks.append({"check": name, "ok": False, "detail": str(exc)})
    for item in checks:  # a fallback score is allowed but must be visible
        if item["check"] == "scorers" and item["ok"] and "fallback" in item["detail"]:
            item["warning"] = FALLBACK_WARNING
        if item["check"] == "scorers" and mismatch:
            item["warning"] = f"embedding width mismatch: {mismatch[0]}; " + item.get("warning", FALLBACK_WARNING)
    return checks
