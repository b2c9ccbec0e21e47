"""Ticket numbers: a prefix letter and three digits, counted per prefix per service day."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from zoneinfo import ZoneInfo

MAX_NUMBER = 999


class NumbersExhausted(Exception):
    """Every number of a prefix is held by an open ticket."""


def service_day(now_utc: datetime, timezone: str) -> date:
    """The site's local date at `now_utc`; the day turns at local midnight, DST included."""
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    return now_utc.astimezone(ZoneInfo(timezone)).date()


def format_number(prefix: str, sequence: int) -> str:
    """'K' and 17 -> 'K017'."""
    return f"{prefix}{sequence:03d}"


def next_sequence(last: int, held: Collection[int]) -> int:
    """The number after `last` (1-999, wrapping 999 -> 1) that no open ticket holds.

    `held` are the sequences of this prefix that open tickets still carry, possibly from an
    earlier service day, so a restart or a wrap never hands out a number twice.
    """
    candidate = last
    for _ in range(MAX_NUMBER):
        candidate = candidate % MAX_NUMBER + 1
        if candidate not in held:
            return candidate
    raise NumbersExhausted(f"all {MAX_NUMBER} numbers are held by open tickets")
