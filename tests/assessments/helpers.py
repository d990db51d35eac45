"""Helpers shared by the assessment tests: build scorecards through ``assessments.services``."""

from assessments import services
from assessments.models import CompetencyFramework, Criterion, Scorecard

CODES = (
    "cond_tools",
    "cond_resources",
    "cond_cross_dept",
    "cond_meaning",
    "bp_profitability",
    "bp_information",
    "bp_sparring_swot",
    "bp_modelling",
    "ent_service_catalogue",
    "ent_client_satisfaction",
    "ent_new_offers",
    "ent_change_innovation",
    "post_entrepreneurial",
    "post_data_process",
    "post_communication",
    "post_innovation",
)

# The hand-built panel: criterion code → (rater A, rater B, rater C); None is NE.
PANEL = {
    "cond_tools": (3, 5, 4),  # mean 4, range 2 → amber
    "cond_resources": (4, 4, 4),
    "cond_cross_dept": (4, 4, 4),
    "cond_meaning": (4, 4, 4),  # conductor = 4
    "bp_profitability": (4, 4, 4),
    "bp_information": (4, 4, 4),
    "bp_sparring_swot": (4, 4, 4),
    "bp_modelling": (1, 4, 4),  # mean 3, range 3 → red; business partner = 15/4
    "ent_service_catalogue": (2, 2, 2),
    "ent_client_satisfaction": (2, 2, 2),
    "ent_new_offers": (1, 2, 2),  # mean 5/3 < 2 → failing criterion
    "ent_change_innovation": (3, 3, 3),  # entrepreneur = 13/6 < 3 → missing role
    "post_entrepreneurial": (3, 3, 3),
    "post_data_process": (3, 3, 3),
    "post_communication": (3, 3, None),  # C saw nothing: mean of the two others
    "post_innovation": (3, 3, 3),  # posture = 3
}


def panel_values(index):
    """Rater ``index``'s ratings in ``PANEL`` (NE left out)."""
    return {code: values[index] for code, values in PANEL.items() if values[index] is not None}


def evidence_for(code, value):
    """A recognisable evidence note (tests look for it in pages)."""
    return f"Preuve {code} niveau {value}"


def criterion_ids(framework: CompetencyFramework | None = None) -> dict:
    """``{code: criterion id}`` of ``framework`` (the active one by default)."""
    framework = framework or services.framework_active()
    return dict(Criterion.objects.filter(framework=framework).values_list("code", "id"))


def rate(
    application,
    rater,
    values: dict,
    *,
    submit=True,
    context=Scorecard.Context.SCREENING,
    session_number=0,
    recommendation=Scorecard.Recommendation.YES,
    evidence=True,
) -> Scorecard:
    """Start, fill (``values``: criterion code → 1–5; every other criterion NE) and, by default,
    submit ``rater``'s scorecard for ``application``. Every rating gets ``evidence_for`` when
    ``evidence`` is true. Returns the scorecard, fresh from the database."""
    card = services.scorecard_start(
        application=application, rater=rater, context=context, session_number=session_number
    )
    ids = dict(card.ratings.values_list("criterion__code", "criterion_id"))
    ratings = {
        ids[code]: (values.get(code), evidence_for(code, values[code]) if evidence and code in values else "")
        for code in ids
    }
    services.scorecard_save(scorecard=card, ratings=ratings, recommendation=recommendation, by=rater)
    if submit:
        services.scorecard_submit(scorecard=card, by=rater)
    return Scorecard.objects.get(pk=card.pk)


def values_of(scorecard) -> dict:
    """``{code: value}`` of a scorecard's ratings (NE as ``None``)."""
    return dict(scorecard.ratings.values_list("criterion__code", "value"))
