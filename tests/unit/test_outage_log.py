"""A best-effort call failing all through an outage logs one warning, then one line when back."""

from __future__ import annotations

from typing import Any

from queueing.logs import Outage


class Recorded:
    """Stands in for a structlog logger: what was logged at which level, whatever the global
    logging configuration other tests left (a level filter would hide the info line)."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def __getattr__(self, level: str) -> Any:
        return lambda event, **fields: self.lines.append({"level": level, "event": event, **fields})


def test_an_outage_is_one_warning_and_one_line_when_it_ends() -> None:
    log = Recorded()
    outage = Outage(log, "enqueue_failed")  # type: ignore[arg-type]
    outage.succeeded()  # nothing failed yet: nothing to say
    for n in range(25):
        outage.failed(ConnectionError("refused"), sites=[n])
    outage.succeeded()
    outage.succeeded()
    warnings = [e for e in log.lines if e["level"] == "warning"]
    assert [(e["event"], e["sites"]) for e in warnings] == [("enqueue_failed", [0])]
    assert [e["failures"] for e in log.lines if e["event"] == "enqueue_resumed"] == [25]
    assert sum(e["level"] == "debug" for e in log.lines) == 24


def test_a_second_outage_warns_again() -> None:
    log = Recorded()
    outage = Outage(log, "enqueue_failed")  # type: ignore[arg-type]
    outage.failed(OSError("down"))
    outage.succeeded()
    outage.failed(OSError("down again"))
    assert [e["error"] for e in log.lines if e["level"] == "warning"] == ["down", "down again"]
