"""structlog set up once: JSON lines in production, readable lines on a console."""

from __future__ import annotations

import logging

import structlog


def configure(log_format: str = "console", level: str = "INFO") -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )


class Outage:
    """One warning when a best-effort call starts failing, one line when it works again.

    During a Redis outage every commit's wake-up fails; a warning each would bury the log (25
    lines a second on a busy morning) and say nothing new. The first failure is a warning, the
    rest are counted, and the first success says how many were left to the reconciler.
    """

    def __init__(self, log: structlog.typing.FilteringBoundLogger, event: str) -> None:
        self.log, self.event, self.failures = log, event, 0

    def failed(self, exc: BaseException, **fields: object) -> None:
        self.failures += 1
        if self.failures == 1:
            self.log.warning(self.event, error=str(exc), **fields)
        else:
            self.log.debug(self.event, error=str(exc), failures=self.failures, **fields)

    def succeeded(self) -> None:
        if self.failures:
            self.log.info(f"{self.event.removesuffix('_failed')}_resumed", failures=self.failures)
            self.failures = 0
