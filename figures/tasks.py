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
def rebuild_stale_figures():
    """Recompute every figures row that is missing, stale or from older formulas. Returns the count."""
    return services.figures_rebuild(stale_only=True)
