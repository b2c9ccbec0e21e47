"""The lobby's state: lines ordered as call-next orders them, with the live estimates
(queueing.lobby.replay) when the hub has them and the simple formula otherwise."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from queueing.displays_api.live import PUBLIC_VIEW
from queueing.lobby.state import PointInfo, Waiting, build_state
from tests.support.lines import KELA

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
POINTS = [PointInfo("counter-4", "kela", {"fi": "Tiski 4"}, ("kela-benefits",))]
FIRST, SECOND = uuid.uuid4(), uuid.uuid4()
WAITING = [
    Waiting(SECOND, "kela-benefits", False, NOW - timedelta(minutes=1)),
    Waiting(FIRST, "kela-benefits", False, NOW - timedelta(minutes=5)),
]


def test_positions_and_estimates_come_from_the_live_estimate_when_given() -> None:
    state = build_state(
        "iso-omena",
        "Europe/Helsinki",
        7,
        NOW,
        [KELA],
        POINTS,
        WAITING,
        estimates={FIRST: (0, 0, 60), SECOND: (700, 400, 1100)},
        newcomers={"kela-benefits": (1400, 900, 2000)},
    )
    second = state.ticket_position(SECOND)
    assert second is not None and (second.position, second.wait) == (2, 700)
    assert second.range == (400, 1100)
    row = PUBLIC_VIEW.queues(state)["queues"][0]
    assert row["estimated_wait_seconds"] == 1400
    assert row["estimated_wait_range_seconds"] == [900, 2000]


def test_without_live_estimates_the_formula_applies_and_no_range_is_claimed() -> None:
    state = build_state("iso-omena", "Europe/Helsinki", 7, NOW, [KELA], POINTS, WAITING)
    second = state.ticket_position(SECOND)
    assert second is not None and second.position == 2 and second.range is None
    assert second.wait == 900  # one 10-minute service ahead, then half of one on average
    row = PUBLIC_VIEW.queues(state)["queues"][0]
    assert row["estimated_wait_seconds"] == 1500 and row["estimated_wait_range_seconds"] is None
    assert state.ticket_position(uuid.uuid4()) is None


def test_a_line_whose_only_point_is_paused_is_served_by_nobody_and_promises_no_wait() -> None:
    paused = [PointInfo("counter-4", "kela", {"fi": "Tiski 4"}, ("kela-benefits",),
                        state="paused", reason="break")]  # fmt: skip
    state = build_state(
        "iso-omena", "Europe/Helsinki", 7, NOW, [KELA], paused, WAITING,
        newcomers={"kela-benefits": (1400, 900, 2000)},
    )  # fmt: skip
    row = PUBLIC_VIEW.queues(state)["queues"][0]
    assert (row["served_now"], row["estimated_wait_seconds"]) == (False, None)
    place = state.ticket_position(SECOND)
    assert place is not None and (place.position, place.wait) == (2, None)
    assert not state.point_open("counter-4")


def test_a_signed_in_point_is_open_whatever_its_hours() -> None:
    opened = [PointInfo("counter-4", "kela", {"fi": "Tiski 4"}, ("kela-benefits",), state="open")]
    state = build_state("iso-omena", "Europe/Helsinki", 7, NOW, [KELA], opened, WAITING)
    assert state.point_open("counter-4")
    assert PUBLIC_VIEW.queues(state)["queues"][0]["served_now"] is True
