"""The JSON API under /api/ (docs/web-desk.md): every handler reads its input, calls one of the
review actions (the same `ReviewActions` the terminal desk and the CLI use) and renders the result.
A refused action is 422 with its message, a stale write 409 with the row as it is now."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from proofdesk.core.domain.models import Row
from proofdesk.core.services.review_actions import ActionResult, ReviewActions
from proofdesk.core.services.review_desk import row_version
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

LIST_FIELDS = ("id", "set_name", "original_name", "file_name", "status", "scene_id", "keeper", "keeper_chosen_by",
               "cull_suggested", "cull_reason", "rating", "quality_flags", "caption")
TEXT_FIELDS = ("caption", "alt_text", "keywords", "file_name")


def verdict(row: Row) -> str:
    return row.metadata_quality.value if row.metadata_quality else "not proven"


def grid_order(rows: Iterable[Row]) -> list[Row]:
    """Scenes together, keeper first, then its frames by rank; scenes and single frames by name."""
    groups: dict[str, list[Row]] = {}
    for row in sorted(rows, key=lambda r: (r.set_name, r.original_name)):
        groups.setdefault(f"{row.set_name}\0{row.scene_id or row.original_name}", []).append(row)
    ordered: list[Row] = []
    for frames in groups.values():
        ordered += sorted(frames, key=lambda r: (not r.keeper, r.scene_rank or 0, r.original_name))
    return ordered


_BRIEFS: dict[tuple[tuple[str, str], str], dict[str, Any]] = {}  # by (key, version): unchanged rows are not built again


def brief(row: Row) -> dict[str, Any]:
    """One row of the list (what the grid and the filters need)."""
    cache_key = (row.key, row_version(row))
    cached = _BRIEFS.get(cache_key)
    if cached is not None:
        return cached
    if len(_BRIEFS) > 50_000:
        _BRIEFS.clear()
    data = {name: getattr(row, name) for name in LIST_FIELDS}
    data.update(key=row.key_text, status=row.status.value, verdict=verdict(row), version=row_version(row),
                findings=sum(1 for reason in row.proof_reasons if not reason.is_fix))
    _BRIEFS[cache_key] = data
    return data


def full(row: Row) -> dict[str, Any]:
    """One row for the loupe and the editor."""
    data = row.to_public_dict()
    data.update(key=row.key_text, verdict=verdict(row), version=row_version(row),
                findings=[reason.model_dump(mode="json") for reason in row.proof_reasons if not reason.is_fix])
    return data


def answer(result: ActionResult, ok_status: int = 200) -> JSONResponse:
    body: dict[str, Any] = {"message": result.message, "error": result.error}
    if result.row is not None:
        body["row"] = full(result.row)
    if result.done or result.refused:
        body.update(done=list(result.done), refused=[{"row": key, "message": why} for key, why in result.refused])
    if result.scene:
        body["scene"] = [brief(row) for row in result.scene]
    status = 409 if result.conflict else 422 if result.error else ok_status
    return JSONResponse(body, status_code=status)


@dataclass
class PublishJob:
    """The one publish run a desk may have going, and what it said."""

    running: bool = False
    started: float = 0.0
    result: dict[str, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class Api:
    def __init__(self, actions: ReviewActions) -> None:
        self.actions = actions
        self.publish_job = PublishJob()

    # ------------------------------------------------------------- reading

    async def rows(self, request: Request) -> JSONResponse:
        rows = await run_in_threadpool(self.actions.listing)
        query = request.query_params
        wanted = {name: query.get(name) for name in ("status", "verdict", "scene", "set", "culled")}
        listed = []
        for row in grid_order(rows):
            item = brief(row)
            if ((wanted["status"] and item["status"] != wanted["status"])
                    or (wanted["verdict"] and item["verdict"] != wanted["verdict"])
                    or (wanted["scene"] and row.scene_id != wanted["scene"])
                    or (wanted["set"] and row.set_name != wanted["set"])
                    or (wanted["culled"] and bool(row.cull_suggested) != (wanted["culled"] == "true"))):
                continue
            listed.append(item)
        return JSONResponse({"rows": listed, "count": len(listed)})

    async def row(self, request: Request) -> JSONResponse:
        row = await self._row(request)
        if row is None:
            return JSONResponse({"error": f"no row with id {request.path_params['row_id']}"}, status_code=404)
        data = full(row)
        data["unknown_words"] = await run_in_threadpool(self._unknown_words, row)
        return JSONResponse(data)

    def _unknown_words(self, row: Row) -> dict[str, list[str]]:
        return {name: self.actions.review.unknown_words(getattr(row, name)) for name in ("caption", "alt_text")}

    async def _row(self, request: Request) -> Row | None:
        return await run_in_threadpool(self.actions.row_by_id, int(request.path_params["row_id"]))

    async def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    # ------------------------------------------------------------- writing

    async def proof(self, request: Request) -> JSONResponse:
        """The live proof of the editor's draft: findings, nothing stored."""
        row = await self._row(request)
        if row is None:
            return JSONResponse({"error": "no such row"}, status_code=404)
        draft = {name: value for name, value in (await self._body(request)).get("fields", {}).items() if name in TEXT_FIELDS}
        try:
            _, verdict_now, findings, unknown = await run_in_threadpool(self.actions.draft, row.key_text, draft)
        except Exception as exc:  # a draft the proof cannot read is shown, not a server error
            return JSONResponse({"error": str(exc)}, status_code=422)
        return JSONResponse({"verdict": verdict_now, "findings": [f.model_dump(mode="json") for f in findings],
                             "unknown_words": unknown})

    async def act(self, request: Request) -> JSONResponse:
        """POST /api/rows/{id}/{action}: a decision, an edit, Generate or a suggestion, with the
        version the page showed (a stale one is refused, 409)."""
        row = await self._row(request)
        if row is None:
            return JSONResponse({"error": "no such row"}, status_code=404)
        action = request.path_params["action"]
        body = await self._body(request)
        key = row.key_text
        calls: dict[str, Any] = {
            "approve": lambda: self.actions.approve(key),
            "reject": lambda: self.actions.reject(key),
            "pending": lambda: self.actions.back_to_pending(key),
            "keeper": lambda: self.actions.keeper(key),
            "scene": lambda: self.actions.approve_scene(key),
            "rate": lambda: self.actions.rate(key, _stars(body.get("stars"))),
            "edit": lambda: self.actions.edit(key, {k: v for k, v in dict(body.get("fields") or {}).items()}),
            "generate": lambda: self.actions.generate(key),
            "accept-suggestion": lambda: self.actions.accept_suggestion(key, body.get("fields")),
            "undo-suggestion": lambda: self.actions.undo_suggestion(key),
            "add-word": lambda: self.actions.add_word(str(body.get("word") or "")),
        }
        if action not in calls:
            return JSONResponse({"error": f"unknown action {action!r}; one of {', '.join(calls)}"}, status_code=404)
        if action != "add-word" and not isinstance(body.get("version"), str):
            return JSONResponse({"error": f"{key}: send the row's version as \"version\" (from GET /api/rows or "
                                          f"/api/rows/{row.id}): a write without it could overwrite a change you "
                                          "have not seen"}, status_code=428)
        return answer(await run_in_threadpool(self.actions.guarded, key, body.get("version"), calls[action]))

    async def undo(self, request: Request) -> JSONResponse:
        return answer(await run_in_threadpool(self.actions.undo))

    # ------------------------------------------------------------- publishing

    async def publish_state(self, request: Request) -> JSONResponse:
        refusal = await run_in_threadpool(self.actions.can_publish)
        job = self.publish_job
        return JSONResponse({"approved": await run_in_threadpool(self.actions.approved_count),
                             "can_publish": refusal is None, "why_not": refusal.message if refusal else None,
                             "running": job.running, "elapsed_s": round(time.monotonic() - job.started, 1) if job.running else None,
                             "result": job.result})

    async def publish(self, request: Request) -> JSONResponse:
        """Starts the publish run (the page asked its one confirmation: `{"confirm": true}`)."""
        if (await self._body(request)).get("confirm") is not True:
            return JSONResponse({"error": "publishing needs {\"confirm\": true}"}, status_code=422)
        job = self.publish_job
        with job.lock:
            if job.running:
                return JSONResponse({"error": "a publish run is already going"}, status_code=409)
            job.running, job.started, job.result = True, time.monotonic(), None

        def run() -> None:
            result = self.actions.publish()
            job.result = {"message": result.message, "error": result.error}
            job.running = False

        threading.Thread(target=run, name="web-desk-publish", daemon=True).start()
        return JSONResponse({"started": True}, status_code=202)


def _stars(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return -1  # refused by the rating action with its message
