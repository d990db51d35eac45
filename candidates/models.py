"""Companies, mandates, candidates, applications and their pipeline history.

Writes go through ``candidates.services``; reads through ``candidates.selectors``; who may see
what is decided in ``cso_recruit.access`` only.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cso_recruit.runs import run_lifetime
from cso_recruit.zones import validate_time_zone


class SupportDomain(models.TextChoices):
    """The nine support functions a CSO heads (DESIGN.md §2)."""

    FINANCE = "finance", _("Finance")
    HR = "hr", _("Human resources")
    LEGAL = "legal", _("Legal")
    IT = "it", _("IT")
    SALES_ADMIN = "sales_admin", _("Sales administration")
    PURCHASING = "purchasing", _("Purchasing")
    GENERAL_SERVICES = "general_services", _("General services")
    COMMUNICATION = "communication", _("Communication")
    QUALITY = "quality", _("Quality and procedures")


ALL_DOMAINS = tuple(SupportDomain.values)

#: No support domain may count more years than this (nor more than the candidate's career).
MAX_DOMAIN_YEARS = Decimal(50)
#: Upper bound of a career, in years.
MAX_CAREER_YEARS = Decimal(60)


def all_domains():
    """Default for ``Mandate.support_domains``: all nine domains, in canonical order."""
    return list(ALL_DOMAINS)


class Stage(models.TextChoices):
    """Pipeline stages of an application, in order; ``rejected`` and ``withdrawn`` close it."""

    SOURCED = "sourced", _("Sourced")
    SCREENING = "screening", _("Screening")
    ASSESSMENT = "assessment", _("Assessment")
    WORKING_SESSIONS = "working_sessions", _("Working sessions")
    DECISION = "decision", _("Decision")
    OFFER = "offer", _("Offer")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CLOSED_STAGES = (Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN)


class RejectionReason(models.TextChoices):
    """Why an application was rejected; the free-text reason of the transition says more."""

    TOO_SPECIALISED = "too_specialised", _("Too specialised in one support domain")
    MISSING_ROLE = "missing_role", _("One of the three roles is missing")
    INSUFFICIENT_BACK_OFFICE = "insufficient_back_office", _("Not enough back-office experience")
    COMPATIBILITY = "compatibility", _("CEO–candidate compatibility")
    POSTURE = "posture", _("Posture and mindset")
    OTHER = "other", _("Other")


class UserProfile(models.Model):
    """Per-user preferences: the interface language (French by default) and the time zone the
    user's e-mails show times in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    #: IANA zone the user's e-mails show times in (blank: the session's own zone).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone])

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self):
        return f"{self.user} ({self.language or '-'})"


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    sector = models.CharField(_("sector"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name


class Mandate(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ON_HOLD = "on_hold", _("On hold")
        CLOSED = "closed", _("Closed")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="mandates", verbose_name=_("company")
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    ceo = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="mandates_as_ceo",
        verbose_name=_("CEO"),
    )
    recruiters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="mandates_as_recruiter", verbose_name=_("recruiters")
    )
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="mandates_as_mediator", blank=True, verbose_name=_("mediators")
    )
    support_domains = models.JSONField(_("support domains in scope"), default=all_domains)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    min_breadth = models.PositiveSmallIntegerField(
        _("minimum breadth (domains with at least one year)"),
        default=4,
        validators=[MaxValueValidator(len(ALL_DOMAINS))],
    )
    min_depth = models.DecimalField(
        _("minimum depth (total years)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("8.0"),
        validators=[MinValueValidator(0)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "title"]
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_depth__gte=0), name="mandate_min_depth_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.title} — {self.company}"

    def get_absolute_url(self):
        return reverse("candidates:pipeline", kwargs={"slug": self.slug})

    def clean(self):
        domains = self.support_domains
        if not isinstance(domains, list) or not domains:
            raise ValidationError({"support_domains": _("Choose at least one support domain.")})
        unknown = [d for d in domains if d not in ALL_DOMAINS]
        if unknown:
            raise ValidationError(
                {
                    "support_domains": _("Unknown support domain: %(codes)s.")
                    % {"codes": ", ".join(map(str, unknown))}
                }
            )
        if len(set(domains)) != len(domains):
            raise ValidationError({"support_domains": _("A support domain is listed twice.")})

    @property
    def domain_labels(self):
        return [SupportDomain(d).label for d in self.support_domains]


class Candidate(models.Model):
    """A person as one set of mandates knows them; may apply to several mandates. Years of
    experience per support domain feed the balance profile ("expert, but not too much").

    The e-mail address is unique among the candidates a user can see, not in the whole database
    (``candidates.selectors.email_holder``; README, "One address per person, as far as you can
    see"): a recruiter who adds an address already held in a mandate they cannot see creates a
    record of their own, so that nothing tells them the address was known."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), max_length=254)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    #: IANA zone the candidate's e-mails show times in (blank: the session's own zone).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone])
    linkedin_url = models.URLField(_("LinkedIn profile"), blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    gdpr_consent = models.BooleanField(_("GDPR consent"), default=False)
    consent_date = models.DateField(_("consent date"), null=True, blank=True)
    education = models.CharField(_("education"), max_length=200, blank=True)
    career_years = models.DecimalField(
        _("career (years)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Total years of professional experience. Optional; no support domain may exceed it."),
    )
    years_finance = models.DecimalField(_("finance (years)"), max_digits=3, decimal_places=1, default=0)
    years_hr = models.DecimalField(_("HR (years)"), max_digits=3, decimal_places=1, default=0)
    years_legal = models.DecimalField(_("legal (years)"), max_digits=3, decimal_places=1, default=0)
    years_it = models.DecimalField(_("IT (years)"), max_digits=3, decimal_places=1, default=0)
    years_sales_admin = models.DecimalField(
        _("sales administration (years)"), max_digits=3, decimal_places=1, default=0
    )
    years_purchasing = models.DecimalField(_("purchasing (years)"), max_digits=3, decimal_places=1, default=0)
    years_general_services = models.DecimalField(
        _("general services (years)"), max_digits=3, decimal_places=1, default=0
    )
    years_communication = models.DecimalField(
        _("communication (years)"), max_digits=3, decimal_places=1, default=0
    )
    years_quality = models.DecimalField(
        _("quality and procedures (years)"), max_digits=3, decimal_places=1, default=0
    )
    cv = models.FileField(_("CV"), upload_to="cv/", blank=True)
    cv_original_name = models.CharField(_("original CV file name"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        indexes = [models.Index(Lower("email"), name="candidate_email_ci")]
        constraints = (
            [
                models.CheckConstraint(
                    condition=models.Q(gdpr_consent=False) | models.Q(consent_date__isnull=False),
                    name="candidate_consent_has_date",
                ),
                models.CheckConstraint(
                    condition=models.Q(career_years__isnull=True)
                    | models.Q(career_years__gte=0, career_years__lte=MAX_CAREER_YEARS),
                    name="candidate_career_years_range",
                ),
            ]
            + [
                models.CheckConstraint(
                    condition=models.Q(**{f"years_{code}__gte": 0})
                    & models.Q(**{f"years_{code}__lte": MAX_DOMAIN_YEARS}),
                    name=f"candidate_years_{code}_range",
                )
                for code in ALL_DOMAINS
            ]
            + [
                models.CheckConstraint(
                    condition=models.Q(career_years__isnull=True)
                    | models.Q(**{f"years_{code}__lte": models.F("career_years")}),
                    name=f"candidate_years_{code}_within_career",
                )
                for code in ALL_DOMAINS
            ]
        )

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("candidates:candidate_detail", kwargs={"pk": self.pk})

    def clean(self):
        # The database holds these ranges as check constraints; checking them here too gives the
        # form and the import a message on the field instead of "constraint … is violated".
        errors = {}
        career = _decimal_or_none(self.career_years)
        if career is not None and not Decimal(0) <= career <= MAX_CAREER_YEARS:
            errors["career_years"] = _("Between 0 and %(max)s years.") % {"max": MAX_CAREER_YEARS}
            career = None
        for code in ALL_DOMAINS:
            name = f"years_{code}"
            years = _decimal_or_none(getattr(self, name))
            if years is None:
                continue  # not a number: clean_fields() reports it
            if not Decimal(0) <= years <= MAX_DOMAIN_YEARS:
                errors[name] = _("Between 0 and %(max)s years.") % {"max": MAX_DOMAIN_YEARS}
            elif career is not None and years > career:
                errors[name] = _("More than the career (%(career)s years): no domain may exceed it.") % {
                    "career": _number(career)
                }
        if self.consent_date and self.consent_date > timezone.localdate():
            errors["consent_date"] = _("The consent date cannot be in the future.")
        if self.gdpr_consent and not self.consent_date:
            errors["consent_date"] = _("Give the date the candidate consented.")
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    def years_by_domain(self):
        """Years of experience per support domain: ``{domain_code: Decimal}`` over all nine domains."""
        return {code: getattr(self, f"years_{code}") for code in ALL_DOMAINS}

    @property
    def years_rows(self):
        """``[(domain label, years)]`` over the nine domains, for display."""
        return [(SupportDomain(code).label, years) for code, years in self.years_by_domain().items()]


def _decimal_or_none(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        return None


def _number(value: Decimal) -> str:
    """``Decimal("12.0")`` → "12", ``Decimal("2.5")`` → "2,5" in French (localized)."""
    return number_format(value.quantize(Decimal(1)) if value == value.to_integral() else value, use_l10n=True)


def years_field(code):
    """Name of the Candidate field holding the years of experience of one support domain."""
    return f"years_{code}"


class Application(models.Model):
    """A candidate in one mandate; moves through pipeline stages (history in ``StageTransition``)."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="applications", verbose_name=_("candidate")
    )
    mandate = models.ForeignKey(
        Mandate, on_delete=models.CASCADE, related_name="applications", verbose_name=_("mandate")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SOURCED)
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=30, choices=RejectionReason.choices, blank=True
    )
    swot_opportunities = models.TextField(_("opportunities (SWOT)"), blank=True)
    swot_threats = models.TextField(_("threats (SWOT)"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    public_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)

    class Meta:
        ordering = ["mandate", "candidate__last_name"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["candidate", "mandate"], name="application_unique_per_mandate"),
            models.CheckConstraint(
                condition=~models.Q(stage=Stage.REJECTED) | ~models.Q(rejection_reason=""),
                name="application_rejected_has_reason",
            ),
        ]
        # The board's columns: each stage's applications in time order, read by a range scan.
        indexes = [
            models.Index(fields=["mandate", "stage", "stage_entered_at"], name="application_board_idx")
        ]

    def __str__(self):
        return f"{self.candidate} — {self.mandate.title}"

    def get_absolute_url(self):
        return reverse("candidates:application_detail", kwargs={"pk": self.pk})

    @property
    def is_closed(self):
        return self.stage in CLOSED_STAGES


class StageTransition(models.Model):
    """One move of an application between stages: from, to, who, when, why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("application")
    )
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["application", "at", "pk"]
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage transitions")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_stage=models.F("to_stage")), name="transition_changes_stage"
            ),
        ]

    def __str__(self):
        return f"{self.application}: {self.from_stage or '∅'} → {self.to_stage}"


#: Time limits of the import task (``candidates.tasks.run_import``), in seconds: soft (the job fails
#: with a message, nothing saved), hard (the worker child is killed).
IMPORT_SOFT_TIME_LIMIT = 600
IMPORT_TIME_LIMIT = 660
#: Time limits of the export task (``candidates.tasks.run_export``), in seconds.
EXPORT_SOFT_TIME_LIMIT = 300
EXPORT_TIME_LIMIT = 360


def import_upload_to(instance, filename):
    """Server-made name under ``MEDIA_ROOT/imports/`` (never the client's); the media folder is
    not served: the file is read back by the import task only."""
    return f"imports/{uuid.uuid4().hex}.csv"


def export_upload_to(instance, filename):
    """Server-made name under ``MEDIA_ROOT/exports/`` (never served: downloaded through
    ``candidates.views.export_job_download``, which checks access)."""
    return f"exports/{uuid.uuid4().hex}.csv"


class BackgroundJob(models.Model):
    """What every mandate job run by a Celery task records (CSV imports, CSV exports).

    The task moves ``status`` queued → running → done or failed (``error`` says why: unreadable
    file, time limit, crash). While running, ``rows_done`` of ``rows_total`` rows are handled; the
    job's page shows them. ``attempts`` counts the runs that started, ``task_id`` names the delivery
    running it (a redelivered task takes the job over: ``cso_recruit.runs``). Messages are written
    in ``language``, the requester's page language. Subclasses give ``TIME_LIMIT`` (the task's hard
    limit, seconds).
    """

    TIME_LIMIT = 0

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    #: Language of the messages the task writes (the requester's page language).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), default=0)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(_("task id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")),
                name="%(class)s_rows_done_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "failed"]) | models.Q(started_at__isnull=False),
                name="%(class)s_started_has_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="failed")
                | (~models.Q(error="") & models.Q(finished_at__isnull=False)),
                name="%(class)s_failed_has_error",
            ),
        ]

    @classmethod
    def lifetime(cls):
        """The longest a live run of the job's task can last (``cso_recruit.runs.run_lifetime``)."""
        return run_lifetime(cls.TIME_LIMIT)

    @property
    def is_pending(self):
        """Queued or running: its page keeps asking for news."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_stale(self):
        """Running for longer than the task's hard time limit (plus a minute): its worker is gone."""
        return (
            self.status == self.Status.RUNNING
            and self.started_at is not None
            and timezone.now() - self.started_at > self.lifetime()
        )

    @property
    def percent(self):
        """Progress in whole percent (0 before the rows are counted)."""
        return min(100, self.rows_done * 100 // self.rows_total) if self.rows_total else 0


class ImportJob(BackgroundJob):
    """One run of the CSV import of a mandate, done by a Celery task (``candidates.tasks.run_import``).

    ``mode`` ``preview`` checks the file and saves nothing; ``save`` confirms a preview (``preview``)
    and imports the same stored file, all-or-nothing. Done, ``result`` holds the import report:
    counts, errors and warnings with their line numbers, the first rows. While running,
    ``rows_done`` of ``rows_total`` rows are checked (preview) or saved (save). See
    ``BackgroundJob`` for the status, progress and takeover fields.
    """

    TIME_LIMIT = IMPORT_TIME_LIMIT

    class Mode(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        SAVE = "save", _("Save")

    mandate = models.ForeignKey(
        Mandate, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("mandate")
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.PREVIEW)
    preview = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="confirmations",
        verbose_name=_("confirmed preview"),
    )
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=200, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    result = models.JSONField(_("result"), null=True, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("CSV import")
        verbose_name_plural = _("CSV imports")
        constraints = [
            *BackgroundJob.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(mode__in=["preview", "save"]), name="importjob_mode_valid"
            ),
            # A save confirms exactly one preview, and a preview is confirmed at most once.
            models.CheckConstraint(
                condition=models.Q(mode="preview", preview__isnull=True)
                | models.Q(mode="save", preview__isnull=False),
                name="importjob_save_confirms_a_preview",
            ),
            models.UniqueConstraint(
                fields=["preview"],
                condition=models.Q(preview__isnull=False),
                name="importjob_one_save_per_preview",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done")
                | models.Q(result__isnull=False, finished_at__isnull=False),
                name="importjob_done_has_result",
            ),
        ]

    def __str__(self):
        return f"{self.original_name or self.pk} ({self.get_mode_display()}, {self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("candidates:import_job", kwargs={"pk": self.pk})


class ExportJob(BackgroundJob):
    """One CSV export of a mandate's candidates, written by a Celery task
    (``candidates.tasks.run_export``) into a private file the requester downloads.

    The file holds the applications ``requested_by`` may see (the board's access,
    ``candidates.selectors.export_applications``), in the French Excel format the import reads back.
    Done, ``file`` is set with its ``size`` (bytes) and ``sha256``; the file is deleted
    ``EXPORT_FILE_RETENTION_HOURS`` after the job finished (``candidates.services.export_jobs_sweep``),
    ``file`` then becomes empty and the job says "expired". Only the requester sees the job.
    """

    TIME_LIMIT = EXPORT_TIME_LIMIT

    mandate = models.ForeignKey(
        Mandate, on_delete=models.CASCADE, related_name="export_jobs", verbose_name=_("mandate")
    )
    file = models.FileField(_("file"), upload_to=export_upload_to, max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("CSV export")
        verbose_name_plural = _("CSV exports")
        constraints = [
            *BackgroundJob.Meta.constraints,
            models.CheckConstraint(
                condition=~models.Q(status="done")
                | models.Q(finished_at__isnull=False, sha256__regex=r"^[0-9a-f]{64}$"),
                name="exportjob_done_has_file",
            ),
        ]

    def __str__(self):
        return f"{self.mandate_id} #{self.pk} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("candidates:export_job", kwargs={"pk": self.pk})

    @property
    def expired(self):
        """Done, but its file was deleted after the retention period."""
        return self.status == self.Status.DONE and not self.file

    @property
    def download_name(self):
        """The file name offered on download: ``candidats-<mandate slug>-<date of the export>.csv``."""
        stamp = timezone.localdate(self.finished_at or self.created_at).isoformat()
        return f"candidats-{self.mandate.slug}-{stamp}.csv"


def import_job_lifetime():
    """The longest a live import task can last (``cso_recruit.runs.run_lifetime`` of its hard limit)."""
    return ImportJob.lifetime()
