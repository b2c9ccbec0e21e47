"""The pages' parts for create_app: handlers, the static files router and the template engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from displays.controllers import page_handlers
from queueing.access.routes import PUBLIC

HERE = Path(__file__).resolve().parent


def handlers(secret_key: str) -> list[Any]:
    """Page routes and /static (plain JS, CSS: no build step)."""
    static = create_static_files_router(
        path="/static", directories=[HERE / "static"], include_in_schema=False, opt=PUBLIC
    )
    return [*page_handlers(secret_key), static]


def templates() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine)
