"""The reconciler: from the database, re-create every wake-up Redis should hold.

Run by `rq cron` every QUEUEING_RECONCILE_INTERVAL seconds and once when a worker starts. Redis
may have been flushed, restarted empty, or down when the API enqueued: every due or future
message gets its job back, and every site's dispatcher is woken to read its event log.
"""

from __future__ import annotations

from typing import Any

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from queueing.outbox import repository
from queueing.outbox.enqueue import enqueue_events, message_job_id, schedule_message
from queueing.sites import repository as sites_repo
from workers.runtime import Runtime

WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED)


def job_waiting(connection: Redis, job_id: str) -> bool:
    """True when Redis holds the job and it has yet to run (or is running)."""
    try:
        return Job.fetch(job_id, connection=connection).get_status() in WAITING
    except NoSuchJobError:
        return False


async def restore_wake_ups(rt: Runtime) -> dict[str, Any]:
    now = rt.clock()
    async with rt.db.read() as session:
        due = [(m.id, m.send_after, m.attempts) for m in await repository.due(session, now)]
        later = await repository.scheduled(session, now)
        sites = [site.id for site in await sites_repo.all_sites(session)]
    connection = rt.notifications.connection
    restored = 0
    for message_id, send_after, attempts in [*due, *later]:
        if not job_waiting(connection, message_job_id(message_id, attempts)):
            schedule_message(rt.notifications, message_id, max(send_after, now), attempts)
            restored += 1
    for site_id in sites:
        enqueue_events(rt.default, site_id)
    return {"due": len(due), "scheduled": len(later), "restored": restored}
