"""A handler's dependencies resolved one after another, in the request's own task.

Litestar resolves the dependencies of one level concurrently, each in a task of an anyio task
group (litestar-org/litestar#4563: two flat dependencies instead of one cost about a third of
the requests per second). Ours hand out a part of the composition root or check a bearer token:
none waits on anything another could overlap with, so the task group is pure cost. Measured on
the issue endpoint with py-spy: the task group was about a quarter of the handler's time.

Installed once by `create_app`; the order within a level stays free, as Litestar's is.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection


async def _resolve_in_order(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def resolve_in_order() -> None:
    """Make every handler's dependencies resolve in the request's task (idempotent)."""
    KwargsModel.resolve_dependencies = _resolve_in_order  # type: ignore[method-assign]
