"""What the privacy app records: each candidate's erasure (once: a unique candidate) and each
retention warning sent to the recruiters (once per candidate and scheduled date).

Writes go through ``privacy.services``; reads through ``privacy.selectors``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Candidate


class RetentionRule(models.TextChoices):
    """Why a candidate's data is kept until a date (``privacy.selectors.retention_schedule``)."""

    TALENT_POOL = "talent_pool", _("Talent-pool consent")
    NO_CONSENT = "no_consent", _("No talent-pool consent")


class Erasure(models.Model):
    """A candidate erased everywhere (``privacy.services.candidate_erase``): by an erasure
    request (GDPR art. 17, from the admin or ``manage.py erase_candidate``) or at the end of the
    retention period (``privacy.tasks.apply_retention``). One row per candidate (unique): the
    retention task and a second request find it and do nothing twice. ``counts`` says what was
    removed (``{"history_rows": int, "files": int, ...}``); ``reason`` must not name the person."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Erasure request (GDPR art. 17)")
        RETENTION = "retention", _("End of the retention period")

    #: The candidate's id, kept when the row itself is deleted (unique: once per candidate).
    candidate_number = models.PositiveIntegerField(_("candidate id"), unique=True)
    #: The anonymous shell left when reports must stay as tombstones; ``None`` once deleted.
    candidate = models.OneToOneField(
        Candidate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="erasure",
        verbose_name=_("candidate"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    rule = models.CharField(_("retention rule"), max_length=20, choices=RetentionRule.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("erased at"), default=timezone.now)
    counts = models.JSONField(_("what was removed"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        permissions = [("erase_candidate", _("Can erase a candidate everywhere (GDPR art. 17)"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["request", "retention"]), name="erasure_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="retention") | ~models.Q(rule=""), name="erasure_retention_has_rule"
            ),
        ]

    def __str__(self):
        return f"#{self.candidate_number} ({self.get_kind_display()}, {self.at:%Y-%m-%d})"


class RetentionWarning(models.Model):
    """The e-mail telling the recruiters of a candidate's mandates that their data will be
    anonymised on ``due_date``; once per candidate and date (unique), so a new closure that moves
    the date gives a new warning and a rerun of the task none."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="retention_warnings", verbose_name=_("candidate")
    )
    due_date = models.DateField(_("anonymisation due on"))
    rule = models.CharField(_("retention rule"), max_length=20, choices=RetentionRule.choices)
    recipients = models.PositiveSmallIntegerField(_("recruiters warned"), default=0)
    sent_at = models.DateTimeField(_("warned at"), default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("retention warning")
        verbose_name_plural = _("retention warnings")
        constraints = [
            models.UniqueConstraint(fields=["candidate", "due_date"], name="retention_warning_once"),
        ]

    def __str__(self):
        return f"#{self.candidate_id} → {self.due_date}"
