"""Competency framework (versioned), scorecards and ratings.

A framework version in use by any scorecard is frozen: ``services.framework_new_version`` copies it
to edit. A submitted scorecard is immutable; a change is a new revision (``supersedes``) with a
mandatory reason, and the earlier revision is kept.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from candidates.models import Application
from cso_recruit.revisions import RevisionedRecord


class RoleGroup(models.TextChoices):
    """The three CSO roles (scored, gated) and the posture & mindset group (scored, not gated)."""

    CONDUCTOR = "conductor", _("Conductor")
    BUSINESS_PARTNER = "business_partner", _("Business partner")
    ENTREPRENEUR = "entrepreneur", _("Entrepreneur")
    POSTURE = "posture", _("Posture and mindset")


class CompetencyFramework(models.Model):
    name = models.CharField(_("name"), max_length=120)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("The active version is used for new scorecards.")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("competency framework")
        verbose_name_plural = _("competency frameworks")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="framework_name_version_unique"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(is_active=True), name="framework_one_active_version"
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        """True once any scorecard uses this version: it can no longer be edited."""
        return self.pk is not None and self.scorecards.exists()


class Criterion(models.Model):
    """One rated behaviour with behaviourally anchored levels 1, 3 and 5 (BARS)."""

    framework = models.ForeignKey(
        CompetencyFramework, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("framework")
    )
    group = models.CharField(_("group"), max_length=20, choices=RoleGroup.choices)
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label_fr = models.CharField(_("label (French)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    #: Two or three words naming the criterion on charts (the radar's spokes), never cut.
    short_label_fr = models.CharField(_("short label (French)"), max_length=40, blank=True)
    short_label_en = models.CharField(_("short label (English)"), max_length=40, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=4, decimal_places=2, default=1, validators=[MinValueValidator(0)]
    )
    anchor_1_fr = models.TextField(_("anchor 1 (French)"))
    anchor_1_en = models.TextField(_("anchor 1 (English)"))
    anchor_3_fr = models.TextField(_("anchor 3 (French)"))
    anchor_3_en = models.TextField(_("anchor 3 (English)"))
    anchor_5_fr = models.TextField(_("anchor 5 (French)"))
    anchor_5_en = models.TextField(_("anchor 5 (English)"))

    class Meta:
        ordering = ["framework", "order", "code"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="criterion_code_unique_per_framework"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="criterion_weight_non_negative"),
        ]

    def __str__(self):
        return f"{self.code} — {self.label}"

    def clean(self):
        # A version in use is frozen: no criterion may be added to it (or changed) from any form.
        if self.framework_id and self.framework.is_frozen:
            raise ValidationError(
                _(
                    "This framework version is used by scorecards and is frozen; "
                    "create a new version to change it."
                ),
                code="frozen",
            )

    def _localized(self, stem):
        lang = (get_language() or "fr")[:2]
        return getattr(self, f"{stem}_{'en' if lang == 'en' else 'fr'}")

    @property
    def label(self):
        return self._localized("label")

    @property
    def description(self):
        return self._localized("description")

    @property
    def anchors(self):
        """``[(1, text), (3, text), (5, text)]`` in the current language."""
        return [(level, self._localized(f"anchor_{level}")) for level in (1, 3, 5)]


class Scorecard(RevisionedRecord):
    """One rater's ratings of one application in one context (one revision of it)."""

    class Context(models.TextChoices):
        SCREENING = "screening", _("Screening interview")
        WORKING_SESSION = "working_session", _("Working session")
        REFERENCE = "reference", _("Reference check")
        OTHER = "other", _("Other")

    class Recommendation(models.TextChoices):
        STRONG_NO = "strong_no", _("Strong no")
        NO = "no", _("No")
        NO_DECISION = "no_decision", _("No decision")
        YES = "yes", _("Yes")
        STRONG_YES = "strong_yes", _("Strong yes")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="scorecards", verbose_name=_("application")
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("rater")
    )
    framework = models.ForeignKey(
        CompetencyFramework,
        on_delete=models.PROTECT,
        related_name="scorecards",
        verbose_name=_("framework version"),
    )
    context = models.CharField(
        _("context"), max_length=20, choices=Context.choices, default=Context.SCREENING
    )
    session_number = models.PositiveSmallIntegerField(
        _("working session number"),
        default=0,
        validators=[MaxValueValidator(4)],
        help_text=_("1 to 4 for a working session; 0 otherwise."),
    )
    recommendation = models.CharField(
        _("overall recommendation"),
        max_length=12,
        choices=Recommendation.choices,
        default=Recommendation.NO_DECISION,
    )
    summary = models.TextField(_("summary"), blank=True)

    revision_owner_field = "rater"
    revision_copied_fields = (
        "application_id",
        "rater_id",
        "framework_id",
        "context",
        "session_number",
        "recommendation",
        "summary",
    )
    revision_copied_children = (("ratings", ("criterion_id", "value", "evidence")),)

    class Meta(RevisionedRecord.Meta):
        ordering = ["application", "rater", "context", "session_number", "-revision"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            *RevisionedRecord.Meta.constraints,
            models.UniqueConstraint(
                fields=["application", "rater", "context", "session_number"],
                condition=models.Q(is_current=True),
                name="scorecard_one_current",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(context="working_session", session_number__gte=1, session_number__lte=4)
                    | (~models.Q(context="working_session") & models.Q(session_number=0))
                ),
                name="scorecard_session_number_matches_context",
            ),
        ]

    def __str__(self):
        return f"{self.application} · {self.rater} · {self.get_context_display()} (r{self.revision})"

    def get_absolute_url(self):
        return reverse("assessments:scorecard", kwargs={"pk": self.pk})

    def clean(self):
        if self.context == self.Context.WORKING_SESSION and not 1 <= self.session_number <= 4:
            raise ValidationError({"session_number": _("Give the working session number (1 to 4).")})
        if self.context != self.Context.WORKING_SESSION:
            self.session_number = 0

    @property
    def context_label(self):
        if self.context == self.Context.WORKING_SESSION:
            return _("Working session %(n)d") % {"n": self.session_number}
        return self.get_context_display()


class Rating(models.Model):
    """A criterion rated 1–5, or NE (no evidence: ``value`` NULL), with the evidence observed."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("scorecard")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("criterion")
    )
    value = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        ordering = ["scorecard", "criterion__order"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "criterion"], name="rating_one_per_criterion"),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=1, value__lte=5),
                name="rating_value_1_to_5_or_ne",
            ),
        ]

    def __str__(self):
        return f"{self.criterion.code}: {self.value if self.value is not None else 'NE'}"
