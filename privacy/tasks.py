"""Periodic task of the privacy app (beat: ``CELERY_BEAT_SCHEDULE["privacy-retention"]``)."""

from celery import shared_task

from . import services


@shared_task(name="privacy.tasks.apply_retention")
def apply_retention():
    """Apply the retention policy (``privacy.services.retention_apply``); safe to run twice.
    Returns ``{"warned": int, "anonymised": int}`` (JSON)."""
    return services.retention_apply()
