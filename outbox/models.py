"""Rows for everything that leaves the process: one ``OutboundEmail`` per recipient and message,
one ``TaskRequest`` per background job asked for (a report render, an import). Both are written in
the transaction of the change that causes them (so a rolled-back change sends nothing and a
committed one cannot lose its messages), dispatched on commit, and swept until done
(``outbox.services``)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One e-mail to one recipient, rendered when it was caused (what was said, as it was said).

    ``key`` identifies the message for its recipient (e.g. ``session:12:request:0:ceo@example.org``):
    asking twice for the same key gives the same row, so each recipient gets each message once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    key = models.CharField(_("message key"), max_length=255, unique=True)
    to = models.EmailField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("plain-text body"))
    html = models.TextField(_("HTML body"), blank=True)
    #: ``[{"filename": str, "content": str, "mimetype": str}]`` (text attachments: calendar files).
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_email_due_idx"),
            models.Index(fields=["to"], name="outbox_email_to_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="outbox_email_sent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]), name="outbox_email_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.to}: {self.subject} ({self.get_status_display()})"


class TaskRequest(models.Model):
    """A Celery task asked for by a committed change: ``task`` (registered name) with ``kwargs``
    (JSON). ``dispatched`` once a broker accepted it, ``failed`` when no such task is registered
    (renamed, or web and worker on different versions); the task itself must be safe to run twice
    (the sweeper re-sends a request it could not confirm)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DISPATCHED = "dispatched", _("dispatched")
        FAILED = "failed", _("failed")  # names no known task: never sendable (admin shows why)

    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("dispatch attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("task request")
        verbose_name_plural = _("task requests")
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_task_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="dispatched", dispatched_at__isnull=False)
                | Q(status__in=["pending", "failed"]),
                name="outbox_task_status_time",
            ),
        ]

    def __str__(self):
        return f"{self.task}({self.kwargs}) {self.get_status_display()}"
