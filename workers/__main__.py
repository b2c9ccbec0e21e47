"""`python -m workers`: the worker process that `queueing worker` and `queueing serve` start.

The command line lives in queueing/, which never imports workers/: it starts this entry as a
program instead, so the dependency runs one way only (workers → queueing).
"""

from __future__ import annotations

import click

from queueing.settings import from_env
from workers.worker import run_worker


@click.command()
@click.option("--with-scheduler", is_flag=True, help="Also run RQ's scheduler for delayed jobs.")
@click.option("--burst", is_flag=True, help="Stop when the job queues are empty.")
def main(with_scheduler: bool, burst: bool) -> None:
    """Run an RQ worker on the service's job queues."""
    run_worker(from_env(), with_scheduler=with_scheduler, burst=burst)


if __name__ == "__main__":
    main()
