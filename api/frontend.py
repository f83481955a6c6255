"""Serves the built dashboard (frontend/dist) at /, with client-side routes falling back to index.html.

Paths under /api/ never fall back: an unknown API path is a 404 problem and a wrong method a 405,
never the dashboard's page answered 200."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.convertors import Convertor, register_url_convertor


class _OutsideApi(Convertor[str]):
    """Like `path`, but never matches `api` or anything under `api/`."""

    regex = r"(?!api(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("outside_api", _OutsideApi())


def mount_frontend(app: FastAPI, dist: Path) -> None:
    index = dist / "index.html"
    if not index.is_file():
        return
    root = dist.resolve()
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:outside_api}", include_in_schema=False)
    def dashboard(path: str) -> FileResponse:
        # Sync on purpose: FastAPI runs it in a thread, so the file checks do not block the loop.
        candidate = (root / path).resolve()
        if path and candidate.is_relative_to(root) and candidate.is_file():
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
