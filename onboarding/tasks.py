"""Celery tasks of the start kits: the check-in reminders (beat)."""

from celery import shared_task
from django.utils import timezone

from sessions.tasks import _aware_now

from . import services


@shared_task
def send_check_in_reminders(now_iso: str | None = None) -> int:
    """Periodic (beat, every ``ONBOARDING_CHECK_IN_EVERY`` s): remind once the CEO and the CSO of
    each check-in fallen due (``services.check_in_reminders_send``). ``now_iso`` as for
    ``sessions.tasks.send_due_reminders`` (tests, a manual catch-up). Returns the number written."""
    now = timezone.now() if now_iso is None else _aware_now(now_iso)
    return services.check_in_reminders_send(now=now)
