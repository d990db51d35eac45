"""Celery tasks of the sign-in pages."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)  # a worker killed mid-run: the task is redelivered
def send_password_reset(email: str, language: str, client: str = "") -> int:
    """Queue the reset e-mail for the accounts using ``email`` (``services.password_reset_send``);
    safe to run twice (the e-mails are capped per account and hour). ``client`` (the keyed hash the
    request was counted under) is not used here. Returns the accounts found."""
    return services.password_reset_send(email=email, language=language)
