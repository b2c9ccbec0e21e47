"""A best-effort call failing all through an outage logs one warning, then one line when back."""

from __future__ import annotations

import structlog
from structlog.testing import capture_logs

from queueing.logs import Outage


def test_an_outage_is_one_warning_and_one_line_when_it_ends() -> None:
    outage = Outage(structlog.get_logger("test"), "enqueue_failed")
    with capture_logs() as logs:
        outage.succeeded()  # nothing failed yet: nothing to say
        for n in range(25):
            outage.failed(ConnectionError("refused"), sites=[n])
        outage.succeeded()
        outage.succeeded()
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert [(e["event"], e["sites"]) for e in warnings] == [("enqueue_failed", [0])]
    assert [e["failures"] for e in logs if e["event"] == "enqueue_resumed"] == [25]
    assert sum(e["log_level"] == "debug" for e in logs) == 24


def test_a_second_outage_warns_again() -> None:
    outage = Outage(structlog.get_logger("test"), "enqueue_failed")
    with capture_logs() as logs:
        outage.failed(OSError("down"))
        outage.succeeded()
        outage.failed(OSError("down again"))
    assert [e["error"] for e in logs if e["log_level"] == "warning"] == ["down", "down again"]
