"""Which steps each ticket status allows."""

from __future__ import annotations

import pytest

from queueing.domain.lifecycle import InvalidTransition, Step, TicketStatus, apply_step

W, C, S = TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING
ALLOWED = {
    (W, Step.CALL): C,
    (C, Step.RECALL): C,
    (C, Step.START): S,
    (S, Step.FINISH): TicketStatus.DONE,
    (C, Step.NO_SHOW): TicketStatus.NO_SHOW,
    (W, Step.CANCEL): TicketStatus.CANCELLED,
    (C, Step.CANCEL): TicketStatus.CANCELLED,
    (C, Step.RETURN): W,
    (S, Step.RETURN): W,
    (W, Step.TRANSFER): W,
    (C, Step.TRANSFER): W,
    (S, Step.TRANSFER): W,
    (W, Step.CLOSE): TicketStatus.CLOSED,
    (C, Step.CLOSE): TicketStatus.CLOSED,
}


@pytest.mark.parametrize(("status", "step"), list(ALLOWED))
def test_allowed_steps_lead_where_expected(status: TicketStatus, step: Step) -> None:
    assert apply_step(status, step) is ALLOWED[(status, step)]


@pytest.mark.parametrize(
    ("status", "step"),
    [(s, st) for s in TicketStatus for st in Step if (s, st) not in ALLOWED],
)
def test_every_other_step_is_refused(status: TicketStatus, step: Step) -> None:
    with pytest.raises(InvalidTransition):
        apply_step(status, step)


def test_finished_tickets_allow_nothing() -> None:
    for status in (
        TicketStatus.DONE,
        TicketStatus.NO_SHOW,
        TicketStatus.CANCELLED,
        TicketStatus.CLOSED,
    ):
        for step in Step:
            with pytest.raises(InvalidTransition):
                apply_step(status, step)
