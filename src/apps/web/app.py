"""The web desk's ASGI app (Starlette + Jinja2, ADR 0024): one page, its own script and style
(shipped in this package: nothing from a CDN), the pictures by row id, and the JSON API. Every route
is listed here; anything else is a 404 (there is no catch-all route)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape
from proofdesk.apps.web.api import Api, brief, grid_order
from proofdesk.apps.web.images import PictureCache
from proofdesk.apps.web.security import DeskGuard, DeskKeys, HostPolicy
from proofdesk.core.services.review_actions import ReviewActions
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from proofdesk.apps.container import Container

STATIC = {"desk.js": "text/javascript; charset=utf-8", "desk.css": "text/css; charset=utf-8",
          "favicon.svg": "image/svg+xml"}


def _templates() -> Environment:
    # autoescape for every template: captions are model output, i.e. hostile text
    return Environment(loader=PackageLoader("proofdesk.apps.web", "templates"), autoescape=select_autoescape(default=True))


def create_app(actions: ReviewActions, pictures: PictureCache, keys: DeskKeys, host: str, port: int) -> Starlette:
    """The desk for these review actions, answering on `host:port` (and localhost) only."""
    api = Api(actions)
    templates = _templates()
    static_dir = resources.files("proofdesk.apps.web") / "static"

    async def page(request: Request) -> Response:
        rows = grid_order(await run_in_threadpool(actions.listing))
        html = templates.get_template("desk.html").render(rows=[brief(row) for row in rows], csrf=keys.csrf)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("not found", status_code=404)
        return Response((static_dir / name).read_bytes(), media_type=STATIC[name], headers={"Cache-Control": "no-cache"})

    async def picture(request: Request) -> Response:
        found = await run_in_threadpool(pictures.picture, int(request.path_params["row_id"]), request.path_params["kind"])
        if found is None:
            return PlainTextResponse("no such picture", status_code=404)
        headers = {"Cache-Control": "private, max-age=86400"}
        if found.path is not None:
            return FileResponse(found.path, media_type=found.media_type, headers=headers)
        return Response(found.data, media_type=found.media_type, headers=headers)

    async def session(request: Request) -> JSONResponse:
        """For scripts holding the bearer token: the CSRF token their POSTs carry."""
        return JSONResponse({"csrf": keys.csrf})

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/img/{row_id:int}/{kind}", picture, methods=["GET"]),
        Route("/api/session", session, methods=["GET"]),
        Route("/api/rows", api.rows, methods=["GET"]),
        Route("/api/rows/{row_id:int}", api.row, methods=["GET"]),
        Route("/api/rows/{row_id:int}/proof", api.proof, methods=["POST"]),
        Route("/api/rows/{row_id:int}/{action}", api.act, methods=["POST"]),
        Route("/api/undo", api.undo, methods=["POST"]),
        Route("/api/publish", api.publish_state, methods=["GET"]),
        Route("/api/publish", api.publish, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.router.redirect_slashes = False  # "/api/rows/" is a 404 like any other unknown path
    app.add_middleware(DeskGuard, keys=keys, hosts=HostPolicy(host, port))
    return app


def desk_from_container(container: Container, host: str = "127.0.0.1", port: int = 8765,
                        keys: DeskKeys | None = None, cache_dir: Path | None = None) -> tuple[Starlette, DeskKeys]:
    """The app over the queue the container's settings name, with fresh keys unless given."""
    actions: ReviewActions = container.review_actions()
    settings = container.settings()
    pictures = PictureCache(cache_dir or Path(settings.workdir_path) / "web-cache", container.file_store(),
                            container.image_processor(), actions.row_by_id)
    keys = keys or DeskKeys()
    actions.listing()  # the first listing reads every row; later ones only the rows that changed
    return create_app(actions, pictures, keys, host, port), keys
