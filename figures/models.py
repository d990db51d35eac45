"""Stored figures: one row per application and one per mandate, computed on write.

``ApplicationFigures`` holds what the counted scorecards, the candidate's file and the working
sessions say about one application (viewer-independent: the independence and sealing rules are
applied when reading, in ``figures.selectors``). The columns are what pages sort, filter and show
in lists; the JSON fields keep the whole typed result (``assessments.summary.AssessmentFigures``,
``assessments.balance.BalanceProfile``, the two compatibility readings) for the summary page, the
comparison page and the report snapshot.

``MandateStatistics`` holds the panel's agreement over a mandate (Krippendorff's α, rater
leniency/severity), recomputed by a Celery task after every change of counted ratings; the task is
coalesced through ``inputs_version`` / ``computed_version``.

Both rows carry ``formulas_version``: a row written by older formulas is recomputed before it is
read (and ``manage.py rebuild_figures`` recomputes every row at once).
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from candidates.models import Application, Mandate
from sessions.models import Observation

#: Bump whenever a formula or the stored shape changes: older rows are recomputed on read.
FORMULAS_VERSION = 3


class Band(models.TextChoices):
    """The balance profile's band (``assessments.balance.BANDS``)."""

    BALANCED = "balanced", _("Balanced")
    WATCH = "watch", _("Watch")
    NARROW = "narrow", _("Narrow")
    CONCENTRATED = "concentrated", _("Concentrated")


class AlphaReading(models.TextChoices):
    """Krippendorff's reading of α (``assessments.agreement.alpha_reading``)."""

    RELIABLE = "reliable", _("reliable (≥ 0.80)")
    TENTATIVE = "tentative", _("tentative (0.667–0.80)")
    UNRELIABLE = "unreliable", _("unreliable (< 0.667)")
    UNDEFINED = "undefined", _("not computable yet")


class ApplicationFigures(models.Model):
    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="figures",
        verbose_name=_("application"),
    )
    conductor = models.FloatField(_("conductor"), null=True, blank=True)
    business_partner = models.FloatField(_("business partner"), null=True, blank=True)
    entrepreneur = models.FloatField(_("entrepreneur"), null=True, blank=True)
    posture = models.FloatField(_("posture and mindset"), null=True, blank=True)
    fit = models.FloatField(_("overall fit"), null=True, blank=True)
    gate_passed = models.BooleanField(
        _("gate passed"), null=True, blank=True, help_text=_("Empty while no scorecard is submitted.")
    )
    missing_roles = models.JSONField(_("below the gate"), default=list, blank=True)
    submitted_scorecards = models.PositiveIntegerField(_("submitted scorecards"), default=0)
    rater_count = models.PositiveSmallIntegerField(_("raters"), default=0)
    red_count = models.PositiveSmallIntegerField(_("criteria to re-observe"), default=0)
    amber_count = models.PositiveSmallIntegerField(_("criteria to discuss"), default=0)
    band = models.CharField(_("balance band"), max_length=20, blank=True, choices=Band.choices)
    hhi_star = models.FloatField(_("normalised concentration (HHI*)"), null=True, blank=True)
    dominant_domain = models.CharField(_("dominant domain"), max_length=20, blank=True)
    breadth_ok = models.BooleanField(_("breadth floor met"), default=False)
    depth_ok = models.BooleanField(_("depth floor met"), default=False)
    compatibility_index = models.FloatField(_("compatibility index"), null=True, blank=True)
    compatibility_verdict = models.CharField(
        _("compatibility verdict"), max_length=20, blank=True, choices=Observation.Verdict.choices
    )
    ceo_compatibility_index = models.FloatField(
        _("compatibility index (CEO's reading)"), null=True, blank=True
    )
    ceo_compatibility_verdict = models.CharField(
        _("compatibility verdict (CEO's reading)"),
        max_length=20,
        blank=True,
        choices=Observation.Verdict.choices,
    )
    assessment = models.JSONField(_("assessment figures"), default=dict)
    balance = models.JSONField(_("balance profile"), default=dict)
    compatibility = models.JSONField(_("compatibility"), default=dict)
    stale = models.BooleanField(_("to recompute"), default=False)
    formulas_version = models.PositiveSmallIntegerField(_("formulas version"), default=FORMULAS_VERSION)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("application figures")
        verbose_name_plural = _("application figures")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(submitted_scorecards=0, gate_passed__isnull=True, fit__isnull=True)
                    | Q(submitted_scorecards__gt=0, gate_passed__isnull=False)
                ),
                name="figures_gate_known_iff_scorecards",
            ),
            models.CheckConstraint(
                condition=Q(gate_passed=False) | Q(gate_passed__isnull=True) | Q(missing_roles=[]),
                name="figures_passed_gate_misses_nothing",
            ),
            models.CheckConstraint(
                condition=Q(rater_count__lte=F("submitted_scorecards")), name="figures_raters_le_scorecards"
            ),
            models.CheckConstraint(
                condition=Q(hhi_star__isnull=True) | Q(hhi_star__gte=0, hhi_star__lte=1),
                name="figures_hhi_star_0_to_1",
            ),
        ] + [
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                name=f"figures_{name}_1_to_5",
            )
            for name in (
                "conductor",
                "business_partner",
                "entrepreneur",
                "posture",
                "fit",
                "compatibility_index",
                "ceo_compatibility_index",
            )
        ]
        indexes = [
            models.Index(fields=["stale"], condition=Q(stale=True), name="figures_stale_idx"),
            models.Index(fields=["formulas_version"], name="figures_formulas_version_idx"),
        ]

    def __str__(self):
        return str(_("Figures of application %(id)s") % {"id": self.application_id})

    @property
    def is_current(self) -> bool:
        """False when the row must be recomputed before it is read."""
        return not self.stale and self.formulas_version == FORMULAS_VERSION

    def role_score(self, code):
        return getattr(self, code)


class MandateStatistics(models.Model):
    mandate = models.OneToOneField(
        Mandate,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="statistics",
        verbose_name=_("mandate"),
    )
    alpha = models.FloatField(_("Krippendorff's alpha (interval)"), null=True, blank=True)
    alpha_reading = models.CharField(
        _("reading of alpha"), max_length=12, default=AlphaReading.UNDEFINED, choices=AlphaReading.choices
    )
    units = models.PositiveIntegerField(_("units (application × criterion)"), default=0)
    raters = models.JSONField(
        _("raters (leniency/severity)"),
        default=dict,
        help_text=_("Rater id → flag, mean deviation, compared ratings."),
    )
    inputs_version = models.PositiveIntegerField(
        _("inputs version"), default=1, help_text=_("Bumped by every change of counted ratings.")
    )
    computed_version = models.PositiveIntegerField(
        _("computed version"), default=0, help_text=_("The inputs version the figures were computed at.")
    )
    formulas_version = models.PositiveSmallIntegerField(_("formulas version"), default=FORMULAS_VERSION)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mandate statistics")
        verbose_name_plural = _("mandate statistics")
        constraints = [
            models.CheckConstraint(
                condition=Q(computed_version__lte=F("inputs_version")), name="statistics_computed_not_ahead"
            ),
            models.CheckConstraint(
                condition=Q(alpha_reading__in=["reliable", "tentative", "unreliable", "undefined"]),
                name="statistics_alpha_reading_known",
            ),
        ]

    def __str__(self):
        return str(_("Statistics of %(mandate)s") % {"mandate": self.mandate})

    @property
    def is_current(self) -> bool:
        """True when computed from the latest inputs with today's formulas."""
        return self.computed_version == self.inputs_version and self.formulas_version == FORMULAS_VERSION

    def flagged(self) -> dict:
        """``{rater id (int): "lenient" | "severe"}`` for the flagged raters."""
        return {int(rater): data["flag"] for rater, data in self.raters.items() if data.get("flag")}
