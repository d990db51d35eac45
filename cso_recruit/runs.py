"""Runs of background tasks recorded on their job rows (reports, CSV imports): when is a run over?

A task message is redelivered when its worker dies (``acks_late`` + ``reject_on_worker_lost``), and
the sweepers send a job again when its message was lost; a job row notes which delivery runs it
(``task_id``) and since when (``started_at``). Another delivery may take the run over only when
that run is over. One rule for every job row, here.
"""

from datetime import datetime, timedelta

#: Margin after a task's hard time limit before its run is taken for dead (the pool's kill and the
#: redelivery take a moment).
RUN_MARGIN = timedelta(seconds=60)


def run_lifetime(time_limit: float) -> timedelta:
    """The longest a live run of a task with hard time limit ``time_limit`` (seconds) can last:
    past it, its worker is gone."""
    return timedelta(seconds=time_limit) + RUN_MARGIN


def live_elsewhere(
    *,
    running: bool,
    task_id: str | None,
    run_task_id: str,
    started_at: datetime | None,
    lifetime: timedelta,
    now: datetime,
) -> bool:
    """True when delivery ``task_id`` must leave the job alone: it is ``running`` under another
    delivery (``run_task_id``) started less than ``lifetime`` ago. The same message delivered again
    (equal ids: its worker died), a run older than its lifetime, or a direct call (``task_id``
    ``None``: the command line) may take the run over."""
    return (
        running
        and task_id is not None
        and run_task_id != task_id
        and started_at is not None
        and now - started_at < lifetime
    )
