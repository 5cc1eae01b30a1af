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
    from proofdesk.apps.config import ConfigError, env_name
    from proofdesk.core.domain.errors import ProofdeskError

    def storage() -> str:
        from proofdesk.core.services.status import row_count

        store = container.queue_store()
        return f"{store.description}: {row_count(store)} row(s)"

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
        """Reachable and writable where publish writes: a probe file is put into the full-image
        folder and removed again (a read-only folder or an FTP account without write permission
        fails here, not half-way through a publish)."""
        publish = settings.publish
        if publish.uploader == "ftp" and publish.ftp.user != "anonymous" and publish.ftp.password is None:
            raise ConfigError(f"publish.ftp.user is {publish.ftp.user!r} but no password is set: "
                              f"set {env_name('publish.ftp.password')}")
        target = container.uploader()
        folder = publish.ftp.remote_dir if publish.uploader == "ftp" else "/"
        probe_path = f"{folder.rstrip('/')}/.proofdesk-doctor-probe"
        try:
            target.list_dir(folder)
            target.put(probe_path, b"proofdesk doctor write probe\n")
            target.remove(probe_path)
        finally:
            target.close()
        return f"{target.description} reachable and writable ({folder})"

    def files() -> str:
        """Files the settings name: they must exist before a run needs them. An engine that is not
        configured (`scoring.brisque_engine` or `scoring.aesthetic_engine` "fallback", BRISQUE off, a
        local uploader) reads none of its files, so they are not checked."""
        scoring = settings.scoring
        brisque = scoring.brisque and scoring.brisque_engine == "opencv"
        open_clip = scoring.aesthetic_engine == "open_clip"
        named = {
            "captioner.glossary_file": settings.captioner.glossary_file,
            "review.dictionary": settings.review.dictionary,
            "scoring.clip_weights": scoring.clip_weights if open_clip else None,
            "scoring.aesthetic_head": scoring.aesthetic_head if open_clip else None,
            "scoring.brisque_model": scoring.brisque_model if brisque else None,
            "scoring.brisque_range": scoring.brisque_range if brisque else None,
            "publish.ftp.ca_file": settings.publish.ftp.ca_file if settings.publish.uploader == "ftp" else None,
        }
        missing = [f"{key} = {settings.resolve_path(value)}" for key, value in named.items()
                   if value and key != "review.dictionary" and not settings.resolve_path(value).is_file()]
        if missing:
            raise ConfigError("missing file(s): " + "; ".join(missing))
        present = [key for key, value in named.items() if value]
        return "every named file exists" + (f" ({', '.join(present)})" if present else " (none named)")

    def gallery() -> str:
        target = container.gallery()
        names = target.file_names()
        return f"{target.description}: {len(names)} published file name(s)"

    def raw() -> str:
        """The camera RAW formats this installation reads (LibRaw for pictures, exiv2 for metadata)."""
        from proofdesk.core.domain.intake import RAW_EXTENSIONS

        version = container.libraw_version()
        if version is None:
            raise ConfigError("rawpy (LibRaw) is not installed: camera RAW files are refused; pip install rawpy")
        import pyexiv2

        readable = sorted(container.image_inspector().raw_formats())
        unread = sorted(RAW_EXTENSIONS - set(readable))
        return (f"LibRaw {version} (rawpy), exiv2 {pyexiv2.__exiv2_version__}: reads {' '.join(readable)}"
                + (f"; unsupported RAW: {' '.join(unread)}" if unread else ""))

    probes: list[tuple[str, Callable[[], str]]] = [
        ("storage", storage), ("workdir", workdir), ("files", files), ("captioner", captioner),
        ("scorers", scorers), ("raw", raw), ("uploader", uploader), ("gallery", gallery),
    ]
    checks: list[dict[str, Any]] = []
    for name, probe in probes:
        try:
            checks.append({"check": name, "ok": True, "detail": probe()})
        except (ProofdeskError, ConfigError, OSError) as exc:
            checks.append({"check": name, "ok": False, "detail": str(exc)})
    for item in checks:  # a fallback score is allowed but must be visible
        if item["check"] == "scorers" and item["ok"] and "fallback" in item["detail"]:
            item["warning"] = FALLBACK_WARNING
        if item["check"] == "scorers" and mismatch:
            item["warning"] = f"embedding width mismatch: {mismatch[0]}; " + item.get("warning", FALLBACK_WARNING)
    return checks
