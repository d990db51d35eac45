"""The transactional outbox (Richardson, *Microservices Patterns*, 2018, "Transactional outbox";
Hohpe & Woolf, *Enterprise Integration Patterns*, 2003, "Guaranteed Delivery").

Everything that leaves the process is first a row written in the transaction of the change that
causes it: an :class:`~outbox.models.OutboundEmail` per recipient and message, a
:class:`~outbox.models.TaskRequest` per background job. On commit the rows are dispatched (an
e-mail through ``outbox.tasks.deliver_email``, a job by sending its task); a broker that cannot be
reached leaves them pending — the user's action is saved and never turns into an error — and the
periodic :func:`outbox_sweep` (beat, every minute) sends what is still pending.

Guarantees:

* A rolled-back change sends nothing; a committed one keeps its rows until they are delivered.
* Each recipient gets each message once: a message has a unique ``key`` (asking twice gives the
  same row), and :func:`email_deliver` sends a row only while holding its lock and only if it is
  still pending, then marks it sent in the same transaction. The one window left is the SMTP
  server accepting the message and the database failing before the commit (the row then stays
  pending and is sent again): no mail system closes it (RFC 5321 §6.1 makes delivery
  at-least-once).
* A task request may be sent twice (the sweeper re-sends one it could not confirm), so the tasks
  that go through here are safe to run twice.
"""

import importlib
import logging
import smtplib
import threading
import time
import weakref
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from .models import OutboundEmail, TaskRequest

logger = logging.getLogger(__name__)

#: Errors of a broker that cannot be reached (kombu wraps the transport's; sockets, DNS).
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError)
#: Errors a mail server or a network gives for a message that may go through later.
MAIL_ERRORS = (OSError, smtplib.SMTPException)
ERROR_MAX = 2000

#: Per request (set by ``outbox.middleware``): the names of what could not be sent at once.
_deferred: ContextVar[list | None] = ContextVar("outbox_deferred", default=None)


def retry_after() -> timedelta:
    """How long a row may stay pending before the sweeper sends it (``OUTBOX_RETRY_AFTER``, s)."""
    return timedelta(seconds=settings.OUTBOX_RETRY_AFTER)


@dataclass(frozen=True)
class Message:
    """An e-mail to one recipient. ``attachments``: ``(filename, text content, MIME type)``."""

    key: str
    to: str
    subject: str
    body: str
    html: str = ""
    attachments: tuple[tuple[str, str, str], ...] = ()


# ------------------------------------------------------------------------------------ publishing


def publish(task, *, args=None, kwargs=None, task_id=None) -> bool:
    """Send ``task`` to the broker without waiting or retrying; never raises.

    Returns ``True`` when the broker accepted it (or, in the embedded default, when the task was
    started in a background thread — ``OUTBOX_EAGER_IN_BACKGROUND`` — or ran in-process: a failure
    of the task itself is logged, its own rows say what happened), ``False``
    when the broker could not be reached — logged, and noted for the current request so that the
    page can say the work will proceed later (``outbox.middleware.OutboxNoticeMiddleware``).
    """
    eager = current_app.conf.task_always_eager
    if eager and settings.OUTBOX_EAGER_IN_BACKGROUND:
        worker = threading.Thread(
            target=_run_in_background,
            args=(task, args, kwargs, task_id),
            daemon=True,
            name=f"outbox-{task.name}",
        )
        _background.add(worker)
        worker.start()
        return True
    try:
        task.apply_async(args=args, kwargs=kwargs, task_id=task_id, retry=False)
    except Exception as exc:  # noqa: BLE001 — whatever happens, the user's action is saved
        if eager:
            logger.exception("Task %s failed in-process", task.name)
            return True
        if isinstance(exc, BROKER_ERRORS):
            logger.warning(
                "Task %s not sent (broker unreachable): left pending for the sweeper",
                task.name,
                exc_info=True,
            )
        else:
            logger.exception("Task %s could not be sent: left pending for the sweeper", task.name)
        deferred = _deferred.get()
        if deferred is not None:
            deferred.append(task.name)
        return False
    return True


_background: "weakref.WeakSet[threading.Thread]" = weakref.WeakSet()


def background_join(timeout: float = 30) -> bool:
    """Wait (at most ``timeout`` seconds in all) for the background threads of the embedded default
    to finish; ``True`` if none is left running (tests; a clean shutdown)."""
    deadline = time.monotonic() + timeout
    for worker in list(_background):
        worker.join(max(0.0, deadline - time.monotonic()))
    return not any(worker.is_alive() for worker in list(_background))


def _run_in_background(task, args, kwargs, task_id) -> None:
    """The embedded default's worker: run one task in this thread (so the page that caused it
    answers at once and shows its progress), then close the thread's database connection."""
    try:
        task.apply(args=args, kwargs=kwargs, task_id=task_id, throw=True)
    except Exception:  # noqa: BLE001 — the task's own rows say what happened
        logger.exception("Task %s failed in the background thread", task.name)
    finally:
        connections.close_all()


def deferred_in_request() -> list:
    """Names of the tasks the current request could not send (empty outside a request)."""
    return list(_deferred.get() or [])


# --------------------------------------------------------------------------------- task requests


@transaction.atomic
def task_request(task: str, **kwargs) -> TaskRequest:
    """Ask for Celery task ``task`` (its registered name) with JSON ``kwargs`` once the current
    transaction commits. Returns the pending ``TaskRequest``; the sweeper re-sends it if the broker
    cannot be reached now."""
    row = TaskRequest.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(lambda: task_request_dispatch(row.pk))
    return row


def registered_task(name: str):
    """The Celery task registered as ``name`` (``"app.tasks.function"``), importing its module if
    needed (a web process has not imported every ``tasks`` module); ``None`` if there is none."""
    task = current_app.tasks.get(name)
    if task is None:
        try:
            importlib.import_module(name.rpartition(".")[0])
        except ImportError:
            return None
        task = current_app.tasks.get(name)
    return task


def task_request_dispatch(pk: int) -> str:
    """Send pending task request ``pk`` (one attempt). Returns ``"sent"`` (or already sent, or
    gone), ``"deferred"`` (the broker could not take it: still pending) or ``"failed"`` (it names
    no registered task: marked failed, with the reason, so that it blocks nothing)."""
    row = TaskRequest.objects.filter(pk=pk, status=TaskRequest.Status.PENDING).first()
    if row is None:
        return "sent"
    TaskRequest.objects.filter(pk=pk).update(attempts=F("attempts") + 1)
    task = registered_task(row.task)
    if task is None:
        TaskRequest.objects.filter(pk=pk).update(
            status=TaskRequest.Status.FAILED, last_error=f"unknown task {row.task}"[:ERROR_MAX]
        )
        logger.error("Task request %s names an unknown task %s: failed", pk, row.task)
        return "failed"
    if publish(task, kwargs=row.kwargs, task_id=f"outbox-{pk}-{row.attempts + 1}"):
        TaskRequest.objects.filter(pk=pk, status=TaskRequest.Status.PENDING).update(
            status=TaskRequest.Status.DISPATCHED, dispatched_at=timezone.now(), last_error=""
        )
        return "sent"
    TaskRequest.objects.filter(pk=pk).update(last_error="broker unreachable")
    return "deferred"


# ------------------------------------------------------------------------------------- e-mails


@transaction.atomic
def email_enqueue(messages: Iterable[Message]) -> list[OutboundEmail]:
    """Write one pending row per message and deliver them once the transaction commits.

    A message whose ``key`` already exists is not written again (idempotent: the row already
    there, sent or not, stands for it). Returns the rows created.
    """
    now = timezone.now()
    created = []
    for message in messages:
        row, is_new = OutboundEmail.objects.get_or_create(
            key=message.key,
            defaults={
                "to": message.to,
                "subject": message.subject[:998],
                "body": message.body,
                "html": message.html,
                "attachments": [
                    {"filename": f, "content": c, "mimetype": m} for f, c, m in message.attachments
                ],
                "created_at": now,
                "next_attempt_at": now + retry_after(),
            },
        )
        if is_new:
            created.append(row)
    if created:
        ids = [row.pk for row in created]
        transaction.on_commit(lambda: _dispatch_emails(ids))
    return created


def _dispatch_emails(ids) -> None:
    from .tasks import deliver_email

    for pk in ids:
        if not publish(deliver_email, args=[pk]):
            break  # the broker is down: the sweeper sends the rest, no need to wait on each


def _locked_pending(pk):
    rows = OutboundEmail.objects.filter(pk=pk, status=OutboundEmail.Status.PENDING)
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True).first()  # another worker is sending it
    return rows.select_for_update().first()


def _backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most one hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def email_deliver(pk: int, *, now=None) -> str:
    """Send pending e-mail ``pk`` once; returns its status after the attempt, or ``"skipped"``
    when it is not pending (sent already, failed for good, gone, or being sent by another worker).

    A mail error (``OSError``, ``smtplib.SMTPException``) leaves it pending with the error and the
    next attempt after a backoff (1, 2, 4 … min, at most 1 h); after ``OUTBOX_EMAIL_MAX_ATTEMPTS``
    attempts it is failed for good (visible in the admin).
    """
    with transaction.atomic():
        row = _locked_pending(pk)
        if row is None:
            return "skipped"
        now = now or timezone.now()
        message = EmailMultiAlternatives(row.subject, row.body, to=[row.to])
        if row.html:
            message.attach_alternative(row.html, "text/html")
        for attachment in row.attachments:
            message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
        row.attempts += 1
        try:
            message.send()
        except MAIL_ERRORS as exc:
            row.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
            if row.attempts >= settings.OUTBOX_EMAIL_MAX_ATTEMPTS:
                row.status = OutboundEmail.Status.FAILED
                logger.error(
                    "E-mail %s to %s failed for good after %d attempts: %s",
                    pk,
                    row.to,
                    row.attempts,
                    row.last_error,
                )
            else:
                row.next_attempt_at = now + _backoff(row.attempts)
                logger.warning(
                    "E-mail %s to %s not sent (attempt %d): %s", pk, row.to, row.attempts, row.last_error
                )
        else:
            row.status = OutboundEmail.Status.SENT
            row.sent_at = now
            row.last_error = ""
        row.save(update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"])
        return row.status


# ------------------------------------------------------------------------------------- sweeper

SWEEP_BATCH = 500


def outbox_sweep(*, now=None) -> dict:
    """Send what is still pending (the periodic net under the on-commit dispatch): e-mails whose
    next attempt is due, delivered here one by one; task requests pending for longer than
    ``OUTBOX_RETRY_AFTER``, sent again. At most ``SWEEP_BATCH`` of each per run. Task requests
    sent or failed more than ``OUTBOX_TASK_KEEP_DAYS`` days ago are deleted.
    Returns ``{"emails": {status: n}, "tasks": {"sent": n, "pending": m, "failed": k, "purged": p}}``."""
    now = now or timezone.now()
    emails: dict[str, int] = {}
    due = (
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in list(due):
        status = email_deliver(pk, now=now)
        emails[status] = emails.get(status, 0) + 1
    tasks = {"sent": 0, "pending": 0, "failed": 0}
    waiting = (
        TaskRequest.objects.filter(status=TaskRequest.Status.PENDING, created_at__lte=now - retry_after())
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in list(waiting):
        outcome = task_request_dispatch(pk)
        if outcome == "deferred":
            tasks["pending"] += 1
            break  # broker still down
        tasks[outcome] += 1
    # A sent or failed task request is kept OUTBOX_TASK_KEEP_DAYS days (to follow up an incident),
    # then deleted: its arguments may hold what a user typed (a password-reset address).
    kept = now - timedelta(days=settings.OUTBOX_TASK_KEEP_DAYS)
    tasks["purged"] = TaskRequest.objects.filter(
        status__in=[TaskRequest.Status.DISPATCHED, TaskRequest.Status.FAILED], created_at__lt=kept
    ).delete()[0]
    return {"emails": emails, "tasks": tasks}
