"""The mobile ticket's service worker, served from the root so its scope can cover /t/."""

from __future__ import annotations

from litestar import Controller, Response, get

from displays.common import STATIC
from queueing.access.routes import PUBLIC

WORKER = STATIC / "js" / "ticket-sw.js"


class PushWorker(Controller):
    @get("/ticket-sw.js", opt=PUBLIC, include_in_schema=False)
    async def worker(self) -> Response[bytes]:
        """A static file; a worker's scope cannot be wider than its own path's folder."""
        return Response(
            WORKER.read_bytes(),
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/t/"},
        )
