"""Page handlers: server-rendered Jinja with the data each page starts from."""

from __future__ import annotations

from typing import Any

from displays.admin import AdminPages
from displays.bookings import BookingPages, BookPages
from displays.customer import CustomerPages
from displays.guide import GuidePages
from displays.organisations import OrganisationPages
from displays.push import PushWorker
from displays.screens import ScreenPages
from displays.staff import staff_router
from displays.statistics import StatisticsPages
from displays.supervisor import SupervisorPages


def page_handlers(secret_key: str) -> list[Any]:
    """Every page route; the staff router carries its own CSRF middleware."""
    return [
        ScreenPages,
        CustomerPages,
        OrganisationPages,
        StatisticsPages,
        SupervisorPages,
        GuidePages,
        staff_router(secret_key),
        AdminPages,
        PushWorker,
        BookingPages,
        BookPages,
    ]
