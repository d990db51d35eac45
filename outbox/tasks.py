"""Celery tasks of the outbox (default queue). They take ids and are safe to run twice."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def deliver_email(email_id):
    """Send outbound e-mail ``email_id`` if it is still pending (see ``services.email_deliver``).
    Returns its status after the attempt, or ``"skipped"``."""
    return services.email_deliver(email_id)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def sweep_outbox():
    """Periodic (beat, every minute): send what the on-commit dispatch could not (broker down, a
    worker lost). Returns ``services.outbox_sweep``'s counts."""
    return services.outbox_sweep()
