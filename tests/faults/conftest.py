"""The fault-injection suite: every test here is marked `faults` (fast subsets: -m "not faults")
and prints its row of the table at the end of the run."""

from __future__ import annotations

import json

import pytest

from tests.faults import harness

COLUMNS = (
    "fault", "database", "acknowledged", "lost", "duplicates", "double_calls",
    "seconds_to_ready", "seen_after", "calls_after", "seen_total", "calls_total",
)  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def fresh_report() -> None:
    harness.REPORT.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not harness.REPORT.exists():
        return
    rows = [json.loads(line) for line in harness.REPORT.read_text().splitlines() if line]
    terminalreporter.write_sep("-", "fault injection")
    terminalreporter.write_line(" | ".join(COLUMNS))
    for row in rows:
        terminalreporter.write_line(" | ".join(str(row[c]) for c in COLUMNS))
