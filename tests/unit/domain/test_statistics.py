"""The statistics' pure rules: local ranges, UTC offset changes, nearest-rank percentiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from queueing.domain.statistics import (
    RangeError,
    local_hour,
    local_range,
    nearest_rank,
    percentile,
)


def utc(hour: int, minute: int = 0, day: int = 29, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_local_hours_follow_both_changes_of_the_year() -> None:
    """The offsets the SQL uses: the change found to the second, both ways of the year."""
    span = local_range("2026-03-28", "2026-10-31", "Europe/Helsinki")
    assert [o for _, o in span.offsets] == [7200, 10800, 7200]
    assert span.offsets[1][0] == utc(1) and span.offsets[2][0] == utc(1, day=25, month=10)
    assert local_hour(utc(0, 59), span.offsets) == 2 and local_hour(utc(1), span.offsets) == 4
    assert local_hour(utc(0, 30, day=25, month=10), span.offsets) == 3
    assert local_hour(utc(1, 30, day=25, month=10), span.offsets) == 3  # the hour repeats
    assert span.end - span.start == timedelta(days=218)


def test_the_night_clocks_go_forward_is_a_23_hour_day() -> None:
    span = local_range("2026-03-29", "2026-03-29", "Europe/Helsinki")
    assert (span.start, span.end) == (utc(22, day=28), utc(21))
    assert span.end - span.start == timedelta(hours=23)


def test_nearest_rank_percentiles_are_values_someone_had() -> None:
    assert [nearest_rank(n, 90) for n in (1, 4, 10, 11)] == [1, 4, 9, 10]
    assert nearest_rank(3, 50) == 2
    assert percentile([300, 600, 2400, 600], 50) == 600
    assert percentile([], 90) is None


def test_a_range_over_400_days_or_backwards_names_to() -> None:
    with pytest.raises(RangeError) as raised:
        local_range("2025-01-01", "2026-03-01", "Europe/Helsinki")
    assert raised.value.field == "to"
    with pytest.raises(RangeError) as raised:
        local_range("2026-01-02", "2026-01-01", "Europe/Helsinki")
    assert raised.value.field == "to"
