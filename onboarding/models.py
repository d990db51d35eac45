"""The "Support 5.0" start kit of a hired CSO (issue 11): the kit, its 90-day plan, the CEO–CSO
working charter with its sign-offs, and the 30- and 90-day check-ins.

Writes go through ``onboarding.services``; reads through ``onboarding.selectors``; access in
``cso_recruit.access`` (``start_kits_visible_to``).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from candidates.models import Application
from reports.models import RenderedDocument, document_constraints

#: The two check-ins, in days after the start date.
MILESTONES = (30, 90)


def _nonce():
    return secrets.token_urlsafe(32)


class Party(models.TextChoices):
    """Who signs a charter or fills a check-in."""

    CEO = "ceo", _("CEO")
    CSO = "cso", _("CSO")


class StartKit(models.Model):
    """One start kit per hired application (the database holds it: ``application`` is unique)."""

    class StartDateSource(models.TextChoices):
        HIRED = "hired", _("date of the move to “Hired”")
        OFFER = "offer", _("start date of the accepted offer")
        MANUAL = "manual", _("set by hand")

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="start_kit", verbose_name=_("application")
    )
    #: The day the CSO starts: the check-ins fall 30 and 90 days after it.
    start_date = models.DateField(_("start date"))
    start_date_source = models.CharField(
        _("start date from"), max_length=10, choices=StartDateSource.choices, default=StartDateSource.HIRED
    )
    #: Names the kit in the CSO's signed link (``cso_recruit.links``); never shown.
    nonce = models.CharField(max_length=64, unique=True, default=_nonce, editable=False)
    language = models.CharField(_("language of the seeded text"), max_length=8, choices=settings.LANGUAGES)
    shared_at = models.DateTimeField(_("last shared with the CSO"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = _("start kit")
        verbose_name_plural = _("start kits")

    def __str__(self):
        return str(_("Start kit of %(application)s") % {"application": self.application})

    def get_absolute_url(self):
        return reverse("onboarding:kit", kwargs={"application_pk": self.application_id})


class PlanLine(models.Model):
    """One line of the 90-day plan: an inventory line (one per in-scope support domain: the first
    project, inventory and grouping of the support functions) or a development action drawn from
    the evidence (a weak criterion, a domain without experience, a role evidenced late)."""

    class Kind(models.TextChoices):
        INVENTORY = "inventory", _("Inventory and grouping of the support functions")
        DEVELOPMENT = "development", _("Development action")

    class Source(models.TextChoices):
        DOMAIN = "domain", _("support domain in scope")
        CRITERION = "criterion", _("weakest criterion")
        NO_EXPERIENCE = "no_experience", _("domain without experience")
        LATE_ROLE = "late_role", _("role evidenced late")
        MANUAL = "manual", _("added by hand")

    kit = models.ForeignKey(StartKit, on_delete=models.CASCADE, related_name="plan_lines")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("from"), max_length=16, choices=Source.choices)
    #: The code the line comes from: a support domain, a criterion or a role code ("" by hand).
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    #: The figure behind a development action (``{"score": 2.5}``, ``{"years": 0}``,
    #: ``{"first_session": 3}``), as it stood when the kit was seeded.
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    title = models.CharField(_("action"), max_length=300)
    owner = models.CharField(_("owner"), max_length=120, blank=True)
    current_state = models.TextField(_("current state"), blank=True)
    target = models.TextField(_("target"), blank=True)
    due_on = models.DateField(_("date"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["kit", "kind", "order", "pk"]
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")
        constraints = [
            models.UniqueConstraint(
                fields=["kit", "reference"],
                condition=Q(kind="inventory"),
                name="plan_inventory_one_line_per_domain",
            ),
            models.CheckConstraint(
                condition=Q(kind="inventory", source="domain") | Q(kind="development") & ~Q(source="domain"),
                name="plan_line_kind_matches_source",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="plan_line_has_title"),
        ]

    def __str__(self):
        return self.title


class Charter(models.Model):
    """The CEO–CSO working charter of a kit: three sections, amended by both, signed by both.
    ``version`` goes up with every amendment; an amendment voids the sign-offs given before."""

    kit = models.OneToOneField(StartKit, on_delete=models.CASCADE, related_name="charter")
    decision_rights = models.TextField(_("decision rights"))
    disagreement = models.TextField(_("how disagreement is handled"))
    cadence = models.TextField(_("meeting cadence"))
    version = models.PositiveIntegerField(_("version"), default=1)
    amended_at = models.DateTimeField(_("last amended at"), null=True, blank=True)
    amended_by = models.CharField(_("last amended by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("working charter")
        verbose_name_plural = _("working charters")
        constraints = [models.CheckConstraint(condition=Q(version__gte=1), name="charter_version_positive")]

    def __str__(self):
        return str(_("Charter of %(kit)s (v%(version)s)") % {"kit": self.kit, "version": self.version})


class CharterSignOff(models.Model):
    """One party's sign-off of one version of the charter: who, when, and the SHA-256 of the text
    signed (``services.charter_text``). Voided (``voided_at``) when the charter is amended after."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="sign_offs")
    party = models.CharField(_("party"), max_length=4, choices=Party.choices)
    version = models.PositiveIntegerField(_("charter version"))
    text_sha256 = models.CharField(_("SHA-256 of the text signed"), max_length=64)
    signer_name = models.CharField(_("signed by"), max_length=150)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    signed_at = models.DateTimeField(_("signed at"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        ordering = ["charter", "signed_at", "pk"]
        verbose_name = _("charter sign-off")
        verbose_name_plural = _("charter sign-offs")
        constraints = [
            models.UniqueConstraint(
                fields=["charter", "party"],
                condition=Q(voided_at__isnull=True),
                name="charter_one_live_sign_off",
            ),
            models.CheckConstraint(
                condition=Q(text_sha256__regex=r"^[0-9a-f]{64}$"), name="sign_off_sha256_hex"
            ),
        ]

    def __str__(self):
        return f"{self.get_party_display()} v{self.version} {self.signed_at:%Y-%m-%d}"

    @property
    def is_live(self) -> bool:
        return self.voided_at is None


class CheckIn(models.Model):
    """One party's check-in at 30 or 90 days: the communication dimensions re-rated on the
    debriefs' scale (``sessions.ipa.DIMENSIONS``, 1–5), once."""

    kit = models.ForeignKey(StartKit, on_delete=models.CASCADE, related_name="check_ins")
    milestone = models.PositiveSmallIntegerField(_("day"), choices=[(m, m) for m in MILESTONES])
    party = models.CharField(_("party"), max_length=4, choices=Party.choices)
    ratings = models.JSONField(_("ratings"), default=dict, help_text=_("{dimension code: 1–5}"))
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )

    class Meta:
        ordering = ["kit", "milestone", "party"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["kit", "milestone", "party"], name="check_in_once_per_party"),
            models.CheckConstraint(condition=Q(milestone__in=MILESTONES), name="check_in_milestone_known"),
        ]

    def __str__(self):
        return f"{self.kit} — {self.milestone} — {self.get_party_display()}"


class CheckInReminder(models.Model):
    """One reminder of a due check-in sent to one party; the unique constraint makes it go once,
    whatever the beats."""

    kit = models.ForeignKey(StartKit, on_delete=models.CASCADE, related_name="reminders")
    milestone = models.PositiveSmallIntegerField(_("day"), choices=[(m, m) for m in MILESTONES])
    party = models.CharField(_("party"), max_length=4, choices=Party.choices)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("check-in reminder")
        verbose_name_plural = _("check-in reminders")
        constraints = [
            models.UniqueConstraint(fields=["kit", "milestone", "party"], name="check_in_reminder_once"),
        ]

    def __str__(self):
        return f"{self.kit} — {self.milestone} → {self.party}"


class StartKitDocument(RenderedDocument):
    """The start kit's PDF: an immutable, versioned snapshot of the kit (plan, charter and its
    sign-offs, check-ins, predicted vs observed) rendered by the shared PDF pipeline
    (``reports.pipeline``, kind ``"start_kit"``: ``onboarding.documents``)."""

    kit = models.ForeignKey(
        StartKit, on_delete=models.CASCADE, related_name="documents", verbose_name=_("start kit")
    )

    class Meta:
        ordering = ["kit", "-version"]
        verbose_name = _("start kit PDF")
        verbose_name_plural = _("start kit PDFs")
        constraints = [
            models.UniqueConstraint(fields=["kit", "version"], name="start_kit_document_version_unique"),
            *document_constraints("start_kit_document"),
        ]

    def __str__(self):
        return _("Start kit PDF v%(version)d — %(kit)s") % {"version": self.version, "kit": self.kit}

    def get_absolute_url(self):
        return reverse("onboarding:kit", kwargs={"application_pk": self.kit.application_id})

    def storage_folder(self) -> str:
        return f"start-kits/{self.kit.application.public_id}"
