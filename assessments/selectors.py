"""Reads for scorecards and the assessment summary, with the independence rule built in.

Independence (DESIGN.md §3): a user who has an unsubmitted scorecard for an application sees no
other rater's ratings and no aggregate for it — in pages, exports and the CLI alike. Every reader
of ratings goes through ``aggregate_visible`` / ``assessment_summary`` here.

Only submitted scorecards count in every figure, each in its latest submitted revision: while a
revision is an open draft, the revision it supersedes still counts (and the reviser, who has a
draft, sees no aggregate); once the revision is submitted, the superseded one no longer counts.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from candidates.models import Application
from cso_recruit import access

from . import agreement, balance, scoring
from .models import CompetencyFramework, RoleGroup, Scorecard

ROLE_GROUPS = (RoleGroup.CONDUCTOR, RoleGroup.BUSINESS_PARTNER, RoleGroup.ENTREPRENEUR)
ALL_GROUPS = ROLE_GROUPS + (RoleGroup.POSTURE,)


def has_open_draft(user, application) -> bool:
    """True when ``user`` has an unsubmitted current scorecard for ``application``."""
    return Scorecard.objects.filter(application=application, rater=user, is_current=True,
                                    status=Scorecard.Status.DRAFT).exists()


def applications_with_open_draft(user, applications) -> set:
    """Ids among ``applications`` for which ``user`` has an unsubmitted scorecard (one query)."""
    return set(Scorecard.objects.filter(application__in=applications, rater=user, is_current=True,
                                        status=Scorecard.Status.DRAFT).values_list("application_id", flat=True))


def aggregate_visible(user, application) -> bool:
    """Whether ``user`` may see other raters' ratings and aggregates of ``application``."""
    return not has_open_draft(user, application)


def my_scorecards(user):
    """The user's current scorecards with application, candidate and mandate, newest first."""
    return (Scorecard.objects.filter(rater=user, is_current=True)
            .filter(application__in=access.applications_visible_to(user))
            .select_related("application__candidate", "application__mandate__company")
            .order_by("status", "-updated_at"))


def scorecard_for_rater(*, pk, user):
    """A scorecard of ``user`` (any revision) with its ratings and criteria; 404 otherwise."""
    qs = (Scorecard.objects.filter(rater=user, application__in=access.applications_visible_to(user))
          .select_related("application__candidate", "application__mandate", "framework", "supersedes")
          .prefetch_related(Prefetch("ratings", queryset=_ratings_qs())))
    return access.get_visible_or_404(qs, pk=pk)


def _ratings_qs():
    from .models import Rating

    return Rating.objects.select_related("criterion").order_by("criterion__order", "criterion__code")


def submitted_scorecards(applications):
    """The submitted scorecards that count for ``applications``, with rater and ratings (two queries).

    That is the current revision when it is submitted, else — while a revision is an open draft —
    the submitted revision it supersedes (a draft never changes the figures).
    """
    counted = Q(is_current=True) | Q(superseded_by__is_current=True, superseded_by__status=Scorecard.Status.DRAFT)
    return list(Scorecard.objects.filter(counted, application__in=applications, status=Scorecard.Status.SUBMITTED)
                .select_related("rater")
                .prefetch_related(Prefetch("ratings", queryset=_ratings_qs()))
                .order_by("submitted_at", "pk"))


@dataclass
class _CriterionInfo:
    code: str
    group: str
    label: str
    weight: float
    order: int


def _active_catalogue():
    """Criteria of the active framework by code (two queries)."""
    catalogue = {}
    active = CompetencyFramework.objects.filter(is_active=True).order_by("-created_at", "-pk").first()
    if active:
        for c in active.criteria.all():
            catalogue[c.code] = _CriterionInfo(c.code, c.group, c.label, float(c.weight), c.order)
    return catalogue


def _criteria_catalogue(scorecards, active=None):
    """Criteria by code, taken from the active framework (``active``: ``_active_catalogue()``, read
    when not given), completed by those the scorecards used."""
    catalogue = dict(_active_catalogue() if active is None else active)
    for card in scorecards:
        for rating in card.ratings.all():
            c = rating.criterion
            catalogue.setdefault(c.code, _CriterionInfo(c.code, c.group, c.label, float(c.weight), c.order))
    return dict(sorted(catalogue.items(), key=lambda item: (item[1].order, item[0])))


def _latest_by_rater(scorecards):
    """``{rater_id: {criterion_code: value}}``: each rater's most recent non-NE rating per criterion."""
    latest = defaultdict(dict)
    for card in scorecards:  # ordered by submitted_at: later ones overwrite
        for rating in card.ratings.all():
            if rating.value is not None:
                latest[card.rater_id][rating.criterion.code] = rating.value
    return latest


def compute_summary(*, application, scorecards, mandate_scorecards, active_criteria=None):
    """The assessment summary of one application as a JSON-ready dict (pure computation over
    already-loaded scorecards; no query except the active framework's criteria, unless given as
    ``active_criteria`` — from ``_active_catalogue()`` — by a caller summarising many applications).

    Shape: ``criteria`` (list: code, label, group, score, score_100, n_ratings, range, level,
    advice), ``roles`` (conductor/business_partner/entrepreneur/posture → ``score``,
    ``score_100``), ``fit``, ``gate`` (``passed``, ``missing_roles``, ``failing_criteria``),
    ``balance`` (see ``assessments.balance.BalanceProfile``), ``disagreements`` (amber/red only:
    criterion, range, level, advice), ``raters`` (id, name, scorecards, bias flag),
    ``recommendations`` (one per submitted scorecard), ``alpha`` (mandate's Krippendorff α and
    its reading). Scores are on 1–5 (``None`` without evidence) and 0–100.
    """
    catalogue = _criteria_catalogue(scorecards, active_criteria)
    values_by_code = defaultdict(list)
    for card in scorecards:
        for rating in card.ratings.all():
            values_by_code[rating.criterion.code].append(rating.value)
    latest = _latest_by_rater(scorecards)

    criteria, criterion_scores = [], {}
    for code, info in catalogue.items():
        score = scoring.criterion_score(values_by_code.get(code, []))
        criterion_scores[code] = score
        spread = agreement.disagreement([per_rater.get(code) for per_rater in latest.values()])
        criteria.append({
            "code": code, "label": str(info.label), "group": info.group, "score": score,
            "score_100": None if score is None else scoring.to_100(score),
            "n_ratings": sum(v is not None for v in values_by_code.get(code, [])),
            "range": spread.range, "level": spread.level, "advice": spread.advice,
        })
    roles = {}
    for group in ALL_GROUPS:
        codes = [code for code, info in catalogue.items() if info.group == group]
        score = scoring.role_score({c: criterion_scores[c] for c in codes},
                                   {c: catalogue[c].weight for c in codes})
        roles[group.value] = {"score": score, "score_100": None if score is None else scoring.to_100(score)}
    # The floor (no criterion < 2.0) covers every criterion, posture included (DESIGN.md §4);
    # the role gate (≥ 3.0) covers the three roles only.
    fit = scoring.overall_fit({g.value: roles[g.value]["score"] for g in ROLE_GROUPS}, criterion_scores)

    mandate = application.mandate
    profile = balance.balance_profile(
        {code: float(years) for code, years in application.candidate.years_by_domain().items()},
        mandate.support_domains, min_breadth=mandate.min_breadth, min_depth=float(mandate.min_depth))

    alpha_value, bias = _mandate_agreement(mandate_scorecards)
    raters = {}
    for card in scorecards:
        entry = raters.setdefault(card.rater_id, {
            "id": card.rater_id, "name": card.rater.get_full_name() or card.rater.username, "scorecards": 0,
            "bias": bias[card.rater_id].flag if card.rater_id in bias else None})
        entry["scorecards"] += 1
    return {
        "application": application.pk,
        "candidate": application.candidate.full_name,
        "mandate": mandate.slug,
        "criteria": criteria,
        "roles": roles,
        "fit": fit.fit,
        "gate": {"passed": fit.gate_passed, "missing_roles": list(fit.missing_roles),
                 "failing_criteria": list(fit.failing_criteria)},
        "balance": profile.to_dict(),
        "disagreements": [{"criterion": c["code"], "range": c["range"], "level": c["level"], "advice": c["advice"]}
                          for c in criteria if c["level"] != "none"],
        "raters": list(raters.values()),
        "recommendations": [{"rater": raters[card.rater_id]["name"], "context": card.context,
                             "session_number": card.session_number, "recommendation": card.recommendation,
                             "recommendation_label": str(card.get_recommendation_display())}
                            for card in scorecards],
        "submitted_scorecards": len(scorecards),
        "alpha": {"value": alpha_value, "reading": agreement.alpha_reading(alpha_value)},
    }


def _mandate_agreement(mandate_scorecards):
    """Krippendorff's α (interval) and rater leniency/severity over a mandate.

    Units are (application, criterion); each rater contributes their most recent non-NE rating.
    """
    by_application = defaultdict(list)
    for card in mandate_scorecards:
        by_application[card.application_id].append(card)
    per_rater = defaultdict(dict)
    for application_id, cards in by_application.items():
        for rater_id, codes in _latest_by_rater(cards).items():
            for code, value in codes.items():
                per_rater[rater_id][(application_id, code)] = value
    units = sorted({unit for values in per_rater.values() for unit in values})
    raters = sorted(per_rater)
    matrix = [[per_rater[r].get(u) for u in units] for r in raters]
    alpha_value = agreement.krippendorff_alpha(matrix) if len(raters) >= 2 and units else None
    return alpha_value, agreement.rater_bias(per_rater)


def assessment_summary(*, application, user=None):
    """The summary of one application for ``user`` (or unrestricted when ``user`` is None, for
    admin commands). Returns ``None`` when the independence rule hides it from ``user``.

    Queries: a fixed number whatever the number of raters or scorecards.
    """
    if user is not None and not aggregate_visible(user, application):
        return None
    from sessions.selectors import compatibility_for

    mandate_applications = Application.objects.filter(mandate_id=application.mandate_id)
    mandate_cards = submitted_scorecards(mandate_applications)
    if user is not None:
        # The mandate-wide figures (α, leniency/severity) must not carry the ratings of an
        # application the viewer may not see yet (their own draft is open on it).
        hidden = applications_with_open_draft(user, mandate_applications)
        mandate_cards = [c for c in mandate_cards if c.application_id not in hidden]
    cards = [c for c in mandate_cards if c.application_id == application.pk]
    data = compute_summary(application=application, scorecards=cards, mandate_scorecards=mandate_cards)
    data["compatibility"] = compatibility_for(application=application, user=user)
    return data


def pipeline_figures(*, applications, user):
    """Fit, gate and balance band per application for the pipeline board and dashboards.

    Returns ``{application_id: {"fit", "gate_passed", "missing_roles", "band", "dominant_domain",
    "hidden"}}``; ``hidden`` is True (and no score given) where the independence rule applies.
    Queries: constant in the number of applications.
    """
    applications = list(applications)
    if not applications:
        return {}
    hidden = applications_with_open_draft(user, applications) if user is not None else set()
    mandate_ids = {a.mandate_id for a in applications}
    mandate_cards = submitted_scorecards(Application.objects.filter(mandate_id__in=mandate_ids))
    by_application = defaultdict(list)
    for card in mandate_cards:
        by_application[card.application_id].append(card)
    active_criteria = _active_catalogue() if by_application else {}
    figures = {}
    for application in applications:
        mandate = application.mandate
        profile = balance.balance_profile(
            {code: float(y) for code, y in application.candidate.years_by_domain().items()},
            mandate.support_domains, min_breadth=mandate.min_breadth, min_depth=float(mandate.min_depth))
        entry = {"band": profile.band, "dominant_domain": profile.dominant_domain, "hidden": False,
                 "fit": None, "gate_passed": None, "missing_roles": [], "scorecards": 0}
        if application.pk in hidden:
            entry["hidden"] = True
        elif by_application.get(application.pk):
            summary = compute_summary(application=application, scorecards=by_application[application.pk],
                                      mandate_scorecards=[], active_criteria=active_criteria)
            entry.update(fit=summary["fit"], gate_passed=summary["gate"]["passed"],
                         missing_roles=summary["gate"]["missing_roles"],
                         scorecards=summary["submitted_scorecards"])
        figures[application.pk] = entry
    return figures

