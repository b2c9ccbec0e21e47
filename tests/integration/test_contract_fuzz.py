"""The OpenAPI document is the contract: Schemathesis fuzzes every operation against a live server.

Anonymous and as staff, every operation except the endless event streams; no 5xx, and every
status, content type and body is the one the document promises. SQLite only: the checks are
about the HTTP contract, which does not depend on the database, and the run costs minutes.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import schemathesis
from schemathesis.engine import from_schema
from schemathesis.engine.events import FatalError, NonFatalError, ScenarioFinished

from tests.support import stack

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
MAX_EXAMPLES = int(os.environ.get("CONTRACT_FUZZ_EXAMPLES", "20"))  # per operation and phase
SITE = "iso-omena"  # the demo site: with real slugs the fuzzing gets past the 404s


@dataclass
class Figures:
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # operations schemathesis could not test
    statuses: Counter[int] = field(default_factory=Counter)

    def add(self, event: ScenarioFinished) -> None:
        recorder = event.recorder
        self.operations.add(recorder.label)
        self.requests += len(recorder.interactions)
        self.statuses.update(
            i.response.status_code for i in recorder.interactions.values() if i.response
        )
        for checks in recorder.checks.values():
            for check in checks:
                if check.failure_info is not None:
                    self.failures[check.name] += 1
                    self.examples.setdefault(
                        f"{check.name} {recorder.label}", check.failure_info.code_sample
                    )

    def report(self, who: str) -> str:
        by_check = ", ".join(f"{name} {self.failures[name]}" for name in CHECKS)
        lines = [
            f"{who}: {len(self.operations)} operations, {self.requests} requests, "
            f"{len(self.errors)} errors; failures: {by_check}",
            "  statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items())),
            *self.errors,
        ]
        lines += [f"  {where}:\n{sample}" for where, sample in list(self.examples.items())[:15]]
        return "\n".join(lines)


def fuzz(
    base_url: str, headers: dict[str, str], skip: str = r"/events$", **parameters: str
) -> Figures:
    config = schemathesis.Config.from_dict(
        {
            "base-url": base_url,
            "headers": headers,
            "seed": 9457,
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            # POST …/users (an admin adding an account) is no sign-up: schemathesis would take it
            # for one and "register" before fuzzing, without the path's site.
            "auth": {"auto-signup": False},
            "parameters": parameters,
        }
    )
    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json", config=config)
    figures = Figures()
    for event in from_schema(schema.exclude(path_regex=skip)).execute():
        if isinstance(event, ScenarioFinished):
            figures.add(event)
        elif isinstance(event, NonFatalError):
            figures.errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, FatalError):
            raise AssertionError("schemathesis stopped") from event.exception
    return figures


@pytest.fixture
def contract_server(sqlite_url: str, redis_url: str, tmp_path: Path) -> Iterator[stack.LiveServer]:
    server = stack.start_live_server(stack.env_for(sqlite_url, redis_url), tmp_path / "api.log")
    yield server
    server.stop()


# Three runs over every operation: on 2 cores shared with other work they took over the suite's
# 300 s per test (pytest-timeout stopped them mid-generation); MAX_EXAMPLES bounds the work.
@pytest.mark.timeout(900)
def test_every_operation_keeps_its_documented_contract_under_fuzzing(
    contract_server: stack.LiveServer,
) -> None:
    url = contract_server.url
    token = httpx.post(
        f"{url}/api/auth/token", json={"username": "staff", "password": stack.PASSWORD}
    ).json()["access_token"]
    runs = {
        "anonymous": fuzz(url, {}),
        f"anonymous at {SITE}": fuzz(url, {}, site=SITE),
        # Signing out ends the token the rest of the run needs; test_auth covers it.
        f"staff at {SITE}": fuzz(
            url, {"Authorization": f"Bearer {token}"}, r"/events$|^/api/auth/sign-out$", site=SITE
        ),
    }
    report = "\n".join(figures.report(who) for who, figures in runs.items())
    print("\n" + report)
    assert all(figures.operations for figures in runs.values()), report
    assert not any(figures.errors or figures.failures for figures in runs.values()), report
