"""Working sessions (CEO + candidate on a real business problem, observed by a mediator),
the mediator's observation (Bales IPA tallies, meta-communication ratings, critical incidents,
verdict), the two debriefs, reminders and personal calendar feeds.

Writes go through ``sessions.services``; scheduling rules are enforced there whatever the entry
point (form, admin, shell).
"""

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments.models import Criterion, RoleGroup
from candidates.models import Application
from cso_recruit.revisions import RevisionedRecord

from . import ipa


class WorkingSession(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="working_sessions", verbose_name=_("application")
    )
    order = models.PositiveSmallIntegerField(
        _("session number"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    location = models.CharField(_("place or video link"), max_length=300)
    problem = models.TextField(_("business problem worked on"))
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="mediated_sessions",
        verbose_name=_("mediator"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    status_reason = models.TextField(_("reason (cancellation, reschedule)"), blank=True)
    # The session plan (``services.session_plan_update``): frozen once the session is held.
    target_roles = models.JSONField(
        _("targeted roles"),
        default=list,
        blank=True,
        help_text=_(
            "Codes of the roles this session is meant to test (conductor, business partner, "
            "entrepreneur, posture)."
        ),
    )
    target_criteria = models.ManyToManyField(
        Criterion, blank=True, related_name="targeting_sessions", verbose_name=_("targeted criteria")
    )
    briefing = models.TextField(_("briefing for the participants"), blank=True)
    briefing_has_company_data = models.BooleanField(
        _("the briefing pack holds company data"),
        default=False,
        help_text=_("The candidate is then asked for a confidentiality undertaking."),
    )
    #: ``services.briefing_pack_checksum`` of the pack's files, kept up to date by the services
    #: that add or remove one ("" while the pack is empty).
    briefing_pack_sha256 = models.CharField(_("briefing pack SHA-256"), max_length=64, blank=True)
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scheduled by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[target_criteria])

    class Meta:
        ordering = ["application", "starts_at"]
        verbose_name = _("working session")
        verbose_name_plural = _("working sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(order__gte=1, order__lte=4), name="session_order_1_to_4"
            ),
            models.UniqueConstraint(
                fields=["application", "order"],
                condition=~models.Q(status="cancelled"),
                name="session_order_unique_when_active",
            ),
        ]
        indexes = [models.Index(fields=["starts_at", "status"])]

    def __str__(self):
        return _("Session %(n)d — %(candidate)s") % {"n": self.order, "candidate": self.application.candidate}

    def get_absolute_url(self):
        return reverse("working_sessions:detail", kwargs={"pk": self.pk})

    @property
    def has_started(self) -> bool:
        """Whether the session's start is past (it may then be marked held or no-show)."""
        return self.starts_at <= timezone.now()

    @property
    def is_active(self):
        return self.status != self.Status.CANCELLED

    @property
    def plan_editable(self) -> bool:
        """Whether the plan (roles, criteria, briefing, pack) may still change: planned sessions only."""
        return self.status == self.Status.PLANNED

    @property
    def target_role_labels(self) -> list:
        """Labels of the targeted roles, in the framework's role order."""
        return [group.label for group in RoleGroup if group.value in (self.target_roles or [])]


def briefing_upload_to(instance, filename):
    """Server-made name under ``briefing/``: the client's name is kept in ``original_name`` only."""
    return f"briefing/{filename}"


class BriefingFile(models.Model):
    """One file of a session's briefing pack: never public, served by an access-checked view
    (``views.briefing_file_download``); content-checked and size-capped like a CV."""

    session = models.ForeignKey(
        WorkingSession,
        on_delete=models.CASCADE,
        related_name="briefing_files",
        verbose_name=_("working session"),
    )
    file = models.FileField(_("file"), upload_to=briefing_upload_to)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "uploaded_at", "pk"]
        verbose_name = _("briefing file")
        verbose_name_plural = _("briefing files")

    def __str__(self):
        return self.original_name or self.file.name

    def get_absolute_url(self):
        return reverse("working_sessions:briefing_file", kwargs={"pk": self.pk})


class SessionReminder(models.Model):
    """One reminder sent to one participant for one session; the unique constraint makes it once."""

    session = models.ForeignKey(WorkingSession, on_delete=models.CASCADE, related_name="reminders")
    email = models.EmailField(_("recipient"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["session", "email"]
        verbose_name = _("session reminder")
        verbose_name_plural = _("session reminders")
        constraints = [
            models.UniqueConstraint(fields=["session", "email"], name="reminder_once_per_recipient")
        ]

    def __str__(self):
        return f"{self.session} → {self.email}"


def _feed_token():
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's personal calendar feed (secret URL listing their sessions)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.user}"


class Observation(RevisionedRecord):
    """The mediator's structured record of one session (one revision of it)."""

    class Verdict(models.TextChoices):
        COMPATIBLE = ipa.COMPATIBLE, _("Compatible")
        TO_CONFIRM = ipa.TO_CONFIRM, _("To confirm")
        NOT_COMPATIBLE = ipa.NOT_COMPATIBLE, _("Not compatible")

    session = models.ForeignKey(
        WorkingSession,
        on_delete=models.CASCADE,
        related_name="observations",
        verbose_name=_("working session"),
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="observations",
        verbose_name=_("mediator"),
    )
    ratings = models.JSONField(
        _("meta-communication ratings"), default=dict, blank=True, help_text=_("{dimension code: 1–5}")
    )
    verdict = models.CharField(_("session verdict"), max_length=20, choices=Verdict.choices, blank=True)
    confidence = models.PositiveSmallIntegerField(
        _("confidence"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    synthesis = models.TextField(_("synthesis"), blank=True)
    #: The mediator's reading of the punctuation (Watzlawick et al. 1967, axiom 3): what started the
    #: main disagreement of the session, and how it ended — to set beside the two parties' accounts.
    punctuation = models.TextField(_("what started the main disagreement, and how it ended"), blank=True)

    revision_owner_field = "mediator"
    revision_copied_fields = (
        "session_id",
        "mediator_id",
        "ratings",
        "verdict",
        "confidence",
        "synthesis",
        "punctuation",
    )
    revision_copied_children = (
        ("ipa_tallies", ("party", "category", "count")),
        ("incidents", ("minute", "who", "behaviour", "interpretation", "tag")),
    )

    class Meta(RevisionedRecord.Meta):
        ordering = ["session", "-revision"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            *RevisionedRecord.Meta.constraints,
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(is_current=True),
                name="observation_one_current_per_session",
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__isnull=True) | models.Q(confidence__gte=1, confidence__lte=5),
                name="observation_confidence_1_to_5",
            ),
        ]

    def __str__(self):
        return _("Observation of %(session)s (r%(n)d)") % {"session": self.session, "n": self.revision}

    def get_absolute_url(self):
        return reverse("working_sessions:observation", kwargs={"pk": self.pk})

    def tallies(self):
        """``{party: {category code: count}}`` over every party and IPA category (zeros included)."""
        result = {party: {c.code: 0 for c in ipa.IPA_CATEGORIES} for party in ipa.PARTIES}
        for tally in self.ipa_tallies.all():
            result[tally.party][tally.category] = tally.count
        return result


PARTY_CHOICES = [(ipa.CEO, _("CEO")), (ipa.CANDIDATE, _("Candidate"))]
IPA_CHOICES = [(c.code, c.label_en) for c in ipa.IPA_CATEGORIES]


class IpaTally(models.Model):
    """Count of one Bales IPA category for one party in one observation (updated click by click)."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="ipa_tallies")
    party = models.CharField(max_length=10, choices=PARTY_CHOICES)
    category = models.CharField(max_length=30, choices=IPA_CHOICES)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["observation", "party", "category"]
        verbose_name = _("IPA tally")
        verbose_name_plural = _("IPA tallies")
        constraints = [
            models.UniqueConstraint(fields=["observation", "party", "category"], name="tally_unique"),
            models.CheckConstraint(condition=models.Q(count__gte=0), name="tally_non_negative"),
        ]

    def __str__(self):
        return f"{self.party}/{self.category}: {self.count}"


class CriticalIncident(models.Model):
    """A time-stamped critical incident: who, the observed behaviour, and — kept apart — the
    mediator's interpretation."""

    class Who(models.TextChoices):
        CEO = ipa.CEO, _("CEO")
        CANDIDATE = ipa.CANDIDATE, _("Candidate")
        BOTH = "both", _("Both")

    class Tag(models.TextChoices):
        LISTENING = "listening", _("Listening")
        DISAGREEMENT = "disagreement", _("Disagreement")
        ESCALATION = "escalation", _("Escalation")
        RALLY = "rally", _("Rally")
        DECISION = "decision", _("Decision")
        TRUST = "trust", _("Trust")
        OTHER = "other", _("Other")

    observation = models.ForeignKey(
        Observation, on_delete=models.CASCADE, related_name="incidents", verbose_name=_("observation")
    )
    minute = models.PositiveSmallIntegerField(_("minute"), validators=[MaxValueValidator(600)])
    who = models.CharField(_("who"), max_length=10, choices=Who.choices)
    behaviour = models.TextField(_("observed behaviour"))
    interpretation = models.TextField(_("interpretation"), blank=True)
    tag = models.CharField(_("tag"), max_length=20, choices=Tag.choices, default=Tag.OTHER)

    class Meta:
        ordering = ["observation", "minute", "pk"]
        verbose_name = _("critical incident")
        verbose_name_plural = _("critical incidents")

    def __str__(self):
        return f"{self.minute}′ {self.who}: {self.behaviour[:40]}"


class Debrief(models.Model):
    """The CEO's or the candidate's own short account of one session (same dimensions, 1–5)."""

    session = models.ForeignKey(
        WorkingSession, on_delete=models.CASCADE, related_name="debriefs", verbose_name=_("working session")
    )
    party = models.CharField(_("party"), max_length=10, choices=PARTY_CHOICES)
    ratings = models.JSONField(_("ratings"), default=dict)
    comment = models.TextField(_("comment"), blank=True)
    #: The party's own account of the punctuation: what, in their view, started the main
    #: disagreement of the session, and how it ended (compared with the other party's and the
    #: mediator's: diverging accounts are the classic sign of a relationship that will escalate).
    punctuation = models.TextField(_("what started the main disagreement, and how it ended"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        ordering = ["session", "party"]
        verbose_name = _("debrief")
        verbose_name_plural = _("debriefs")
        constraints = [models.UniqueConstraint(fields=["session", "party"], name="debrief_once_per_party")]

    def __str__(self):
        return f"{self.session} — {self.get_party_display()}"


class DebriefInvitation(models.Model):
    """The candidate's signed, expiring, single-use debrief link (the nonce is in the signed token)."""

    session = models.ForeignKey(WorkingSession, on_delete=models.CASCADE, related_name="debrief_invitations")
    nonce = models.CharField(max_length=64, unique=True, default=_feed_token)
    sent_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "-sent_at"]
        verbose_name = _("debrief invitation")
        verbose_name_plural = _("debrief invitations")

    def __str__(self):
        return f"{self.session} ({'used' if self.used_at else 'open'})"


class AssessmentNotice(models.Model):
    """The notice telling a candidate, before their first working session, how they are assessed
    (Code du travail L.1221-8: candidates are informed beforehand of the assessment methods used;
    L.1221-6: the methods are relevant to the post; GDPR art. 13: what is recorded, who sees it,
    how long it is kept, their rights). ``sessions.notices`` sends it by a signed, expiring link
    and records the acknowledgement: when, the version and the SHA-256 of the text shown, in which
    language, and the SHA-256 of the briefing pack it covered (empty: no pack). A recruiter may
    record an acknowledgement given on paper, with a reason. Acknowledged, a notice never changes.
    A working session cannot be marked held before one of its application's notices is
    acknowledged (``sessions.notices.notice_acknowledged``)."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="assessment_notices",
        verbose_name=_("application"),
    )
    nonce = models.CharField(max_length=64, unique=True, default=_feed_token, editable=False)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="fr")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    text_version = models.CharField(_("text version"), max_length=20, blank=True)
    text_sha256 = models.CharField(_("SHA-256 of the text shown"), max_length=64, blank=True)
    pack_sha256 = models.CharField(_("SHA-256 of the briefing pack"), max_length=64, blank=True)
    confidentiality_accepted = models.BooleanField(_("confidentiality undertaking accepted"), default=False)
    on_paper = models.BooleanField(_("acknowledged on paper"), default=False)
    paper_reason = models.TextField(_("why on paper"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["application", "-created_at", "-pk"]
        verbose_name = _("assessment notice")
        verbose_name_plural = _("assessment notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True)
                | (~models.Q(text_version="") & ~models.Q(text_sha256="")),
                name="notice_acknowledged_has_text",
            ),
            models.CheckConstraint(
                condition=models.Q(on_paper=False)
                | (~models.Q(paper_reason="") & models.Q(acknowledged_at__isnull=False)),
                name="notice_paper_has_reason",
            ),
        ]

    def __str__(self):
        state = self.acknowledged_at.date().isoformat() if self.acknowledged_at else "open"
        return f"{self.application} — notice ({state})"


class OverdueReminder(models.Model):
    """One reminder of an overdue item sent to one person (``sessions.todo``): the CEO's debrief or
    the mediator's observation of a session, overdue ``SESSIONS_OVERDUE_AFTER_HOURS`` after it
    ended. The unique constraint makes each reminder go once, whatever the beats."""

    class Kind(models.TextChoices):
        DEBRIEF = "debrief", _("Debrief")
        OBSERVATION = "observation", _("Observation")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    session = models.ForeignKey(
        WorkingSession,
        on_delete=models.CASCADE,
        related_name="overdue_reminders",
        verbose_name=_("working session"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("overdue reminder")
        verbose_name_plural = _("overdue reminders")
        constraints = [
            models.UniqueConstraint(fields=["kind", "session", "user"], name="overdue_reminder_once"),
        ]

    def __str__(self):
        return f"{self.kind} {self.session} → {self.user}"
