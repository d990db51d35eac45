"""What the audit app records: a candidate's access exports (GDPR art. 15 and 20) and every read
of personal data as a file (``ReadEvent``).

Writes go through ``audit.services``; reads through ``audit.selectors``; who may see what is
decided in ``cso_recruit.access``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import BackgroundJob, Candidate, Mandate

#: Time limits of the access-export task (``audit.tasks.run_access_export``), in seconds.
ACCESS_EXPORT_SOFT_TIME_LIMIT = 300
ACCESS_EXPORT_TIME_LIMIT = 360


def access_export_upload_to(instance, filename):
    """Server-made name under ``MEDIA_ROOT/access_exports/`` (never the candidate's name; never
    served: downloaded through ``audit.views.access_export_download``, which checks access)."""
    return f"access_exports/{uuid.uuid4().hex}.zip"


class AccessExport(BackgroundJob):
    """One access export of a candidate (GDPR art. 15 and 20): a ZIP with ``data.json`` (machine
    readable, ``audit/SCHEMA.md``), ``summary.pdf`` (readable, WeasyPrint), the CV and the report
    PDFs, written by a Celery task (``audit.tasks.run_access_export``).

    ``mandates`` is the scope: the candidate's mandates the requester manages when it was asked
    (all of them for staff: ``complete``); the file holds what those mandates hold about the
    person. The job is visible to whoever may see everything in it
    (``cso_recruit.access.access_exports_visible_to``). Done, ``file`` is set with its ``size`` and
    ``sha256``; the file is deleted ``ACCESS_EXPORT_FILE_RETENTION_HOURS`` after it was written
    (``audit.services.access_exports_sweep``), the job then says "expired". Erasing the candidate
    deletes the rows and their files (``privacy.services.candidate_erase``).
    """

    TIME_LIMIT = ACCESS_EXPORT_TIME_LIMIT

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="access_exports", verbose_name=_("candidate")
    )
    mandates = models.ManyToManyField(
        Mandate, related_name="+", blank=True, verbose_name=_("mandates covered")
    )
    complete = models.BooleanField(_("every mandate covered"), default=False)
    file = models.FileField(_("file"), upload_to=access_export_upload_to, max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("access export")
        verbose_name_plural = _("access exports")
        constraints = [
            *BackgroundJob.Meta.constraints,
            models.CheckConstraint(
                condition=~models.Q(status="done")
                | models.Q(finished_at__isnull=False, sha256__regex=r"^[0-9a-f]{64}$"),
                name="accessexport_done_has_file",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("audit:access_export", kwargs={"pk": self.pk})

    @property
    def expired(self):
        """Done, but its file was deleted after the retention period."""
        return self.status == self.Status.DONE and not self.file

    @property
    def download_name(self):
        """The name offered on download: ``acces-donnees-candidat-<id>-<date>.zip`` (no name)."""
        stamp = timezone.localdate(self.finished_at or self.created_at).isoformat()
        return f"acces-donnees-candidat-{self.candidate_id}-{stamp}.zip"


class ReadEvent(models.Model):
    """One read of personal data as a file: who (``user``), what (``kind``, ``object_id`` of the
    row read, a short ``label``), about whom (``candidate``, when one person), through which
    mandates (``mandates``: whose recruiters see the event), when (``at``) and from where (``ip``,
    ``cso_recruit.clientip.client_ip``). Written by ``audit.services.read_record`` only; never
    changed afterwards except by an erasure, which scrubs the label."""

    class Kind(models.TextChoices):
        CV = "cv", _("CV download")
        REPORT_PDF = "report_pdf", _("Report PDF download")
        CSV_EXPORT = "csv_export", _("CSV export download")
        ACCESS_EXPORT = "access_export", _("Access export download")
        BRIEFING_FILE = "briefing_file", _("Briefing file download")
        SHORTLIST_PDF = "shortlist_pdf", _("Shortlist PDF download")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    label = models.CharField(_("label"), max_length=200, blank=True)
    candidate = models.ForeignKey(
        Candidate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="read_events",
        verbose_name=_("candidate"),
    )
    mandates = models.ManyToManyField(Mandate, related_name="+", blank=True, verbose_name=_("mandates"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("read event")
        verbose_name_plural = _("read events")
        indexes = [models.Index(fields=["-at", "-id"], name="readevent_recent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "cv",
                        "report_pdf",
                        "csv_export",
                        "access_export",
                        "briefing_file",
                        "shortlist_pdf",
                    ]
                ),
                name="readevent_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.object_id} ({self.at:%Y-%m-%d %H:%M})"
