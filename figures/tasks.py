"""Celery tasks of the stored figures (default queue). They take ids, call a service, and are
safe to run twice."""

from celery import shared_task

from . import services


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=300,
    time_limit=360,
)
def refresh_mandate_statistics(mandate_id):
    """Recompute mandate ``mandate_id``'s agreement statistics (α, rater flags) if its inputs
    changed since they were computed; coalesced (see ``services.mandate_statistics_refresh``).
    Returns ``{"mandate": id, "computed_version": n}`` or ``None`` for a deleted mandate."""
    row = services.mandate_statistics_refresh(mandate_id=mandate_id)
    return None if row is None else {"mandate": mandate_id, "computed_version": row.computed_version}


@shared_task(acks_late=True, soft_time_limit=3600, time_limit=3700)
def refresh_stale_figures():
    """The sweep (beat, every few minutes; and after a framework change): recompute every figures
    row that is missing, stale or from older formulas, then every mandate's statistics that lag
    their inputs (a task never sent while the broker was down, say). Returns
    ``{"applications": n, "mandates": m}``."""
    return {
        "applications": services.figures_rebuild(stale_only=True),
        "mandates": services.stale_statistics_refresh(),
    }
