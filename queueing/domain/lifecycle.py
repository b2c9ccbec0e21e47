"""Ticket statuses and the steps allowed from each."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class Step(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no-show"
    CANCEL = "cancel"
    RETURN = "return"
    TRANSFER = "transfer"
    CLOSE = "close"


OPEN_STATUSES = frozenset({TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING})

_W, _C, _S = TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING

# step -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Step, tuple[frozenset[TicketStatus], TicketStatus]] = {
    Step.CALL: (frozenset({_W}), _C),
    Step.RECALL: (frozenset({_C}), _C),
    Step.START: (frozenset({_C}), _S),
    Step.FINISH: (frozenset({_S}), TicketStatus.DONE),
    Step.NO_SHOW: (frozenset({_C}), TicketStatus.NO_SHOW),
    # A customer may cancel while waiting or while being called (they walked away).
    Step.CANCEL: (frozenset({_W, _C}), TicketStatus.CANCELLED),
    Step.RETURN: (frozenset({_C, _S}), _W),
    # Transfer is allowed from every open status: staff may send a customer on mid-service.
    Step.TRANSFER: (frozenset({_W, _C, _S}), _W),
    Step.CLOSE: (frozenset({_W, _C}), TicketStatus.CLOSED),
}


class InvalidTransition(Exception):
    """A step that the ticket's current status does not allow."""

    def __init__(self, step: Step, status: TicketStatus) -> None:
        super().__init__(f"cannot {step.value} a ticket that is {status.value}")
        self.step = step
        self.status = status


def apply_step(status: TicketStatus, step: Step) -> TicketStatus:
    """The status after `step`, or InvalidTransition when `status` does not allow it."""
    allowed, target = TRANSITIONS[step]
    if status not in allowed:
        raise InvalidTransition(step, status)
    return target


def allowed_from(step: Step) -> frozenset[TicketStatus]:
    """Statuses from which `step` may be taken (used to guard conditional updates in SQL)."""
    return TRANSITIONS[step][0]
