"""Fresh computation of the figures from the raw data — the one composition of assessment, balance
and compatibility.

:func:`compute_application_figures` reads the raw inputs of a batch of applications in a fixed
number of queries and returns unsaved :class:`figures.models.ApplicationFigures` rows;
:func:`compute_mandate_statistics` does the same for one mandate's agreement statistics.
``figures.services`` stores what these return; the tests compare stored rows with what these
return after every kind of write.
"""

from django.utils import timezone

from assessments import balance, summary
from assessments.selectors import assessment_inputs, mandate_rater_values
from candidates.models import Application
from sessions.selectors import compatibility_views

from .models import FORMULAS_VERSION, ApplicationFigures


def balance_of(candidate, mandate) -> balance.BalanceProfile:
    """The balance profile of ``candidate`` over ``mandate``'s in-scope domains and floors
    (:func:`assessments.balance.balance_profile`)."""
    return balance.balance_profile(
        candidate.years_by_domain(),
        mandate.support_domains,
        min_breadth=mandate.min_breadth,
        min_depth=mandate.min_depth,
    )


def _row(
    application,
    assessment: summary.AssessmentFigures,
    profile: balance.BalanceProfile,
    compatibility: dict,
    now,
) -> ApplicationFigures:
    scored = assessment.submitted_scorecards > 0
    full, ceo = compatibility["full"], compatibility["ceo"]
    return ApplicationFigures(
        application_id=application.pk,
        conductor=assessment.roles["conductor"].score,
        business_partner=assessment.roles["business_partner"].score,
        entrepreneur=assessment.roles["entrepreneur"].score,
        posture=assessment.roles["posture"].score,
        fit=assessment.fit if scored else None,
        gate_passed=assessment.gate.passed if scored else None,
        missing_roles=list(assessment.gate.missing_roles) if scored else [],
        submitted_scorecards=assessment.submitted_scorecards,
        rater_count=len(assessment.raters),
        red_count=assessment.red_count,
        amber_count=assessment.amber_count,
        band=profile.band or "",
        hhi_star=profile.hhi_star,
        dominant_domain=profile.dominant_domain or "",
        breadth_ok=profile.breadth_ok,
        depth_ok=profile.depth_ok,
        compatibility_index=full.get("index"),
        compatibility_verdict=full.get("verdict") or "",
        ceo_compatibility_index=ceo.get("index"),
        ceo_compatibility_verdict=ceo.get("verdict") or "",
        assessment=assessment.to_storage(),
        balance=profile.to_dict(),
        compatibility=compatibility,
        stale=False,
        formulas_version=FORMULAS_VERSION,
        computed_at=now,
    )


def compute_application_figures(application_ids, *, now=None) -> list[ApplicationFigures]:
    """Unsaved figures rows of ``application_ids`` (ids that do not exist are skipped), computed from
    the raw data: counted scorecards (``assessments.summary.assessment_figures``), the candidate's
    years over the mandate's domains (``assessments.balance.balance_profile``) and the working
    sessions in both readings (``sessions.selectors.compatibility_views``).

    Queries: ten whatever the number of applications (pass batches of a few hundred to bound memory).
    """
    now = now or timezone.now()
    applications = list(
        Application.objects.filter(pk__in=list(application_ids))
        .select_related("candidate", "mandate")
        .order_by("pk")
    )
    if not applications:
        return []
    ids = [a.pk for a in applications]
    cards, catalogues = assessment_inputs(ids)
    compatibility = compatibility_views(ids)
    rows = []
    for application in applications:
        assessment = summary.assessment_figures(
            scorecards=cards.get(application.pk, []), catalogue=catalogues[application.pk]
        )
        profile = balance_of(application.candidate, application.mandate)
        rows.append(_row(application, assessment, profile, compatibility[application.pk], now))
    return rows


def compute_mandate_statistics(mandate_id) -> summary.PanelStatistics:
    """The mandate's agreement statistics from the raw counted ratings (one value per rater,
    application and criterion): :func:`assessments.summary.panel_statistics`. Two queries."""
    return summary.panel_statistics(mandate_rater_values(mandate_id))


#: The fields of a row that are figures (what "stored equals computed" compares).
FIGURE_FIELDS = tuple(
    f.name
    for f in ApplicationFigures._meta.concrete_fields
    if f.name not in ("application", "computed_at", "stale", "formulas_version")
)


def row_figures(row: ApplicationFigures) -> dict:
    """``{field: value}`` of the figure fields of a row (for comparisons)."""
    return {name: getattr(row, name) for name in FIGURE_FIELDS}
