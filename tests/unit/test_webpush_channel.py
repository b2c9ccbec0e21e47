"""How a push service's answers map to the outbox's outcomes."""

from __future__ import annotations

import pytest
import requests
from pywebpush import WebPushException

from queueing.notifications.channels import PermanentFailure, TransientFailure
from queueing.notifications.channels.webpush import Gone, _failure


def refused(status: int) -> WebPushException:
    response = requests.Response()
    response.status_code = status
    response._content = b"nope"
    return WebPushException("Push failed", response=response)


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_gone_and_permanent(status: int) -> None:
    failure = _failure(refused(status))
    assert isinstance(failure, Gone) and isinstance(failure, PermanentFailure)
    assert failure.reply == f"{status} nope"


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_failing_push_service_is_retried(status: int) -> None:
    assert type(_failure(refused(status))) is TransientFailure


def test_another_refusal_fails_without_dropping_the_subscription() -> None:
    failure = _failure(refused(400))
    assert type(failure) is PermanentFailure
