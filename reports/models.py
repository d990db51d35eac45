"""Compatibility report: an immutable, versioned PDF per application (DESIGN.md §6).

A ``Report`` row is created by ``reports.services.report_request`` together with the JSON snapshot
of every input the PDF shows (scores, sessions, observations, debriefs, candidate and mandate
data), so the same version always says the same thing however the data moves afterwards. A Celery
task renders it (``reports.tasks.render_report``): queued → rendering → ready | failed.

Once ready, a report never changes: the database holds the invariants it can hold (ready ⇒ PDF,
SHA-256 and page count present; version ≥ 1; one version number per application), and
``Report.save`` refuses to write a row that was loaded ready. The PDF lives under a server-made
name in the media storage, which is never served publicly (``MEDIA_URL`` is not routed): the only
way to it is the access-checked download view.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Application, Mandate


def report_upload_to(instance, filename):
    """Server-made storage name: ``reports/<application public id>/<random>.pdf`` (the client's or
    candidate's name never reaches the file system). Kept importable for the old migrations; new
    rows go through :func:`document_upload_to`."""
    return f"reports/{instance.application.public_id}/{uuid.uuid4().hex}.pdf"


def document_upload_to(instance, filename):
    """Server-made storage name of any rendered document: ``<its storage_folder()>/<random>.pdf``
    (a name typed by a user never reaches the file system)."""
    return f"{instance.storage_folder()}/{uuid.uuid4().hex}.pdf"


class ReportImmutable(ValidationError):
    """Raised when code tries to change a document (report, shortlist…) that is already ready."""


#: The generic name of :class:`ReportImmutable` (one exception for every kind of document).
DocumentImmutable = ReportImmutable


def document_constraints(prefix: str) -> list:
    """The invariants every rendered document holds, as database constraints named
    ``<prefix>_version_positive``, ``<prefix>_status_known``, ``<prefix>_ready_has_pdf``,
    ``<prefix>_failed_has_error`` and ``<prefix>_erased_is_empty`` (``prefix`` "report" gives the
    report's historical names). Each concrete model adds its own "version unique per scope"
    constraint (per application, per mandate…)."""
    return [
        models.CheckConstraint(condition=models.Q(version__gte=1), name=f"{prefix}_version_positive"),
        models.CheckConstraint(
            condition=models.Q(status__in=["queued", "rendering", "ready", "failed", "erased"]),
            name=f"{prefix}_status_known",
        ),
        models.CheckConstraint(
            condition=~models.Q(status="ready")
            | (
                ~models.Q(sha256="")
                & ~models.Q(pdf="")
                & models.Q(page_count__isnull=False, page_count__gte=1)
            ),
            name=f"{prefix}_ready_has_pdf",
        ),
        models.CheckConstraint(
            condition=~models.Q(status="failed") | ~models.Q(error=""), name=f"{prefix}_failed_has_error"
        ),
        models.CheckConstraint(
            condition=~models.Q(status="erased") | models.Q(pdf="", snapshot={}),
            name=f"{prefix}_erased_is_empty",
        ),
    ]


class RenderedDocument(models.Model):
    """Abstract base of every PDF document of the pipeline (``reports.pipeline``): the frozen
    snapshot, the status machine queued → rendering → ready | failed (| erased), the published
    file with its SHA-256, size and page count, and the rendering bookkeeping (attempts,
    interruptions, task id).

    A concrete kind adds its scope (a foreign key: application, mandate…), a "version unique per
    scope" constraint, ``Meta.constraints += document_constraints("<prefix>")``, and
    :meth:`storage_folder`. Once loaded ready a row refuses any save (:class:`ReportImmutable`).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        #: Its candidate was erased (GDPR art. 17, ``privacy.services.candidate_erase``): the row stays
        #: as a tombstone (version number, SHA-256, size and page count), its PDF and snapshot are gone.
        ERASED = "erased", _("Erased")

    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    language = models.CharField(_("language"), max_length=8, default="fr")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    #: When it was last queued (requested, retried, or queued again by the sweeper).
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("rendering started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    snapshot = models.JSONField(_("data snapshot"), default=dict)
    pdf = models.FileField(_("PDF file"), upload_to=document_upload_to, max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    page_count = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    #: Renders that never finished (worker lost, hard time limit); reset by a retry.
    interruptions = models.PositiveSmallIntegerField(_("interrupted renders"), default=0)
    #: The Celery task rendering it (a redelivery of the same message may take it over).
    task_id = models.CharField(_("rendering task"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if getattr(self, "_loaded_status", None) == self.Status.READY:
            raise ReportImmutable(
                _("A ready report is immutable: request a new version instead."), code="immutable"
            )
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._loaded_status = self.__dict__.get("status")

    def storage_folder(self) -> str:
        """Folder of the stored PDF under the media root (server-made, no user text)."""
        raise NotImplementedError

    @property
    def is_ready(self):
        return self.status == self.Status.READY

    @property
    def is_failed(self):
        return self.status == self.Status.FAILED

    @property
    def is_pending(self):
        return self.status in (self.Status.QUEUED, self.Status.RENDERING)

    @property
    def is_stale(self) -> bool:
        """Pending for longer than the hard time limit allows (a worker died mid-render): the
        report may be retried."""
        if not self.is_pending:
            return False
        since = self.started_at or self.requested_at
        limit = getattr(settings, "REPORT_STALE_AFTER", 15 * 60)
        return (timezone.now() - since).total_seconds() > limit

    @property
    def can_retry(self) -> bool:
        return self.is_failed or self.is_stale


class Report(RenderedDocument):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="reports", verbose_name=_("application")
    )

    class Meta:
        ordering = ["application", "-version"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["application", "version"], name="report_version_unique"),
            *document_constraints("report"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return _("Report v%(version)d — %(application)s") % {
            "version": self.version,
            "application": self.application,
        }

    def get_absolute_url(self):
        return reverse("reports:status", kwargs={"pk": self.pk})

    def storage_folder(self) -> str:
        return f"reports/{self.application.public_id}"


class Shortlist(RenderedDocument):
    """The shortlist PDF: the 2 to 4 finalists of one mandate compared side by side, versioned per
    mandate (``reports.shortlist``). ``finalists`` are the compared applications (the snapshot
    keeps their order); the access rule and the candidates' erasure go through them."""

    mandate = models.ForeignKey(
        Mandate, on_delete=models.CASCADE, related_name="shortlists", verbose_name=_("mandate")
    )
    finalists = models.ManyToManyField(
        Application, related_name="shortlists", verbose_name=_("finalists"), blank=True
    )

    class Meta:
        ordering = ["mandate", "-version"]
        verbose_name = _("shortlist")
        verbose_name_plural = _("shortlists")
        constraints = [
            models.UniqueConstraint(fields=["mandate", "version"], name="shortlist_version_unique"),
            *document_constraints("shortlist"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="shortlist_status_requested")]

    def __str__(self):
        return _("Shortlist v%(version)d — %(mandate)s") % {"version": self.version, "mandate": self.mandate}

    def get_absolute_url(self):
        return reverse("reports:shortlist_status", kwargs={"pk": self.pk})

    def storage_folder(self) -> str:
        return f"shortlists/{self.mandate.pk}"
