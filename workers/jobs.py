"""Every background job. Module-level functions taking ids, enqueued by dotted path only after
the transaction that causes them commits. The database is the record; a job is a wake-up."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from rq import Queue

from queueing.models import Event, Site
from queueing.notifications.dispatch import Dispatcher
from queueing.notifications.sender import Sender
from queueing.outbox.enqueue import enqueue_events, schedule_message
from queueing.outbox.plan import Planned
from workers import reconciler
from workers.runtime import Runtime, run

log = structlog.get_logger(__name__)
DISPATCH_BATCH = 1000


def send_message(message_id: int) -> str:
    """Send one outbox message: at most once, exactly once where the channel can tell."""
    return run(lambda rt: _send_message(rt, message_id))


async def _send_message(rt: Runtime, message_id: int) -> str:
    outcome = await Sender(rt.db, rt.settings, rt.clock).deliver(message_id)
    if outcome.status == "retry" and outcome.retry_at is not None:
        schedule_message(rt.notifications, message_id, outcome.retry_at, outcome.attempts)
    return outcome.status


def process_events(site_id: int) -> int:
    """Turn a site's new events into messages ('go to Counter 4', 'your turn is near')."""
    return run(lambda rt: _process_events(rt, site_id))


async def _process_events(rt: Runtime, site_id: int) -> int:
    dispatched = await Dispatcher(rt.db, rt.settings, rt.clock).process(site_id, DISPATCH_BATCH)
    wake(rt.notifications, dispatched.planned)
    for ticket_id, recall_count, due in dispatched.expiries:
        rt.default.enqueue_at(
            due, "workers.jobs.expire_call", str(ticket_id), recall_count,
            job_id=f"expire-{ticket_id}-{recall_count}", result_ttl=300,
        )  # fmt: skip
    if dispatched.events >= DISPATCH_BATCH:  # more left: continue in a fresh job
        enqueue_events(rt.default, site_id)
    return dispatched.events


def expire_call(ticket_id: str, recall_count: int) -> bool:
    """Automatic no-show: the ticket's last allowed call went unanswered for the set minutes."""
    return run(lambda rt: rt.housekeeping.expire_call(uuid.UUID(ticket_id), recall_count))


def close_days() -> int:
    """End of day: tickets still waiting at the site's closing time become closed and are told."""
    return run(_close_days)


async def _close_days(rt: Runtime) -> int:
    closed = await rt.housekeeping.close_days()
    for site, events in closed.events:
        await publish(rt, site, events)
    wake(rt.notifications, closed.planned)
    return closed.tickets


async def _close_points(rt: Runtime) -> int:
    closed = await rt.housekeeping.close_points()
    for site, events in closed:
        await publish(rt, site, events)
    return sum(len(events) for _, events in closed)


def mark_missed_appointments() -> int:
    """Bookings not checked in by their slot's end plus the grace become no-shows."""
    return run(lambda rt: rt.housekeeping.mark_missed_appointments())


def erase_personal_data() -> dict[str, int]:
    """Retention: erase names, phones, e-mails and free text past their days; keep statistics."""
    return run(lambda rt: rt.housekeeping.erase_personal_data())


def reconcile() -> dict[str, Any]:
    """Rebuild every wake-up from the database (after a Redis flush) and run the sweeps."""
    return run(_reconcile)


async def _reconcile(rt: Runtime) -> dict[str, Any]:
    report = await reconciler.restore_wake_ups(rt)
    report["no_shows"] = await rt.housekeeping.expire_calls()
    report["closed"] = await _close_days(rt)
    report["points_closed"] = await _close_points(rt)
    report["missed_appointments"] = await rt.housekeeping.mark_missed_appointments()
    log.info("reconciled", **report)
    return report


def wake(job_queue: Queue, planned: list[Planned]) -> None:
    for item in planned:
        schedule_message(job_queue, item.id, item.send_after)


async def publish(rt: Runtime, site: Site, events: list[Event]) -> None:
    await rt.publisher.publish(site.slug, site.id, events)
