"""Reads for scorecards and the assessment summary, with the independence rule built in.

Independence (DESIGN.md §3): a user who has an unsubmitted scorecard for an application sees no
other rater's ratings and no aggregate for it — in pages, exports and the CLI alike. The figures
themselves are computed by :mod:`assessments.summary` from :func:`assessment_inputs` and stored by
the ``figures`` app, whose selectors apply this rule to every reader.

Only submitted scorecards count in every figure, each in its latest submitted revision: while a
revision is an open draft, the revision it supersedes still counts (and the reviser, who has a
draft, sees no aggregate); once the revision is submitted, the superseded one no longer counts.
"""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Prefetch, Q

from cso_recruit import access

from . import summary
from .models import Criterion, Rating, Scorecard


def has_open_draft(user, application) -> bool:
    """True when ``user`` has an unsubmitted current scorecard for ``application``."""
    return Scorecard.objects.filter(
        application=application, rater=user, is_current=True, status=Scorecard.Status.DRAFT
    ).exists()


def applications_with_open_draft(user, applications) -> set:
    """Ids among ``applications`` for which ``user`` has an unsubmitted scorecard (one query)."""
    return set(
        Scorecard.objects.filter(
            application__in=applications, rater=user, is_current=True, status=Scorecard.Status.DRAFT
        ).values_list("application_id", flat=True)
    )


def aggregate_visible(user, application) -> bool:
    """Whether ``user`` may see other raters' ratings and aggregates of ``application``."""
    return not has_open_draft(user, application)


def my_scorecards(user):
    """The user's current scorecards with application, candidate and mandate, newest first."""
    return (
        Scorecard.objects.filter(rater=user, is_current=True)
        .filter(application__in=access.applications_visible_to(user))
        .select_related("application__candidate", "application__mandate__company")
        .order_by("status", "-updated_at")
    )


def scorecard_for_rater(*, pk, user):
    """A scorecard of ``user`` (any revision) with its ratings and criteria; 404 otherwise."""
    visible = access.applications_visible_to(user).filter(pk=OuterRef("application_id"))
    qs = (
        Scorecard.objects.filter(Exists(visible), rater=user)
        .select_related("application__candidate", "application__mandate", "framework", "supersedes")
        .prefetch_related(Prefetch("ratings", queryset=_ratings_qs()))
    )
    return access.get_visible_or_404(qs, pk=pk)


def _ratings_qs():
    return Rating.objects.select_related("criterion").order_by("criterion__order", "criterion__code")


def counted_scorecards_q() -> Q:
    """The scorecards that count: submitted, in their standing revision — the current one, or,
    while a revision is an open draft, the submitted revision it supersedes."""
    return Scorecard.counted_q()


def submitted_scorecards(applications):
    """The submitted scorecards that count for ``applications``, with rater and ratings (two queries).

    That is the current revision when it is submitted, else — while a revision is an open draft —
    the submitted revision it supersedes (a draft never changes the figures).
    """
    return list(
        Scorecard.objects.filter(counted_scorecards_q(), application__in=applications)
        .select_related("rater")
        .prefetch_related(Prefetch("ratings", queryset=_ratings_qs()))
        .order_by("submitted_at", "pk")
    )


def _catalogue_entry(
    code, group, label_fr, label_en, short_fr, short_en, weight, order
) -> summary.CriterionInfo:
    return summary.CriterionInfo(
        code=code,
        group=group,
        labels={"fr": label_fr, "en": label_en},
        short_labels={k: v for k, v in (("fr", short_fr), ("en", short_en)) if v},
        weight=weight,
        order=order,
    )


_CRITERION_VALUES = (
    "framework_id",
    "code",
    "group",
    "label_fr",
    "label_en",
    "short_label_fr",
    "short_label_en",
    "weight",
    "order",
    "framework__is_active",
    "framework__created_at",
)


class Catalogues:
    """The criteria each summary reports, from one query: the active framework's criteria (the newest
    active version, as ``services.framework_active``), completed by those of the framework versions
    an application's own counted scorecards used, for the codes the active one lacks. So an
    application's catalogue never depends on which other applications are computed with it."""

    def __init__(self, framework_ids=()):
        rows = list(
            Criterion.objects.filter(
                Q(framework__is_active=True) | Q(framework_id__in=list(framework_ids))
            ).values_list(*_CRITERION_VALUES)
        )
        actives = {(created, framework_id) for framework_id, *_rest, is_active, created in rows if is_active}
        self.active = max(actives)[1] if actives else None
        self._by_framework = defaultdict(list)
        for framework_id, *values, _flag, _created in rows:
            self._by_framework[framework_id].append(_catalogue_entry(*values))
        self._cache = {}

    def for_frameworks(self, framework_ids) -> list[summary.CriterionInfo]:
        """The catalogue, in display order, of an application whose counted scorecards used
        ``framework_ids``."""
        key = frozenset(framework_ids) - {self.active}
        if key not in self._cache:
            catalogue = {info.code: info for info in self._by_framework.get(self.active, [])}
            for framework_id in sorted(key):
                for info in self._by_framework.get(framework_id, []):
                    catalogue.setdefault(info.code, info)
            self._cache[key] = sorted(catalogue.values(), key=lambda c: (c.order, c.code))
        return self._cache[key]


def criteria_catalogue(framework_ids=()) -> list[summary.CriterionInfo]:
    """The criteria a summary of scorecards of ``framework_ids`` reports (see :class:`Catalogues`).
    One query."""
    return Catalogues(framework_ids).for_frameworks(framework_ids)


def _rater_name(first, last, username) -> str:
    return f"{first} {last}".strip() or username


def assessment_inputs(application_ids) -> tuple[dict, list]:
    """What :func:`assessments.summary.assessment_figures` needs for ``application_ids``:
    ``({application id: [ScorecardInput]}, {application id: catalogue})``. Four queries whatever the number of
    applications (counted scorecards, their ratings, the active framework, the criteria)."""
    ids = list(application_ids)
    counted = Scorecard.objects.filter(counted_scorecards_q(), application_id__in=ids)
    cards = list(
        counted.order_by("submitted_at", "pk").values_list(
            "pk",
            "application_id",
            "rater_id",
            "rater__first_name",
            "rater__last_name",
            "rater__username",
            "context",
            "session_number",
            "recommendation",
            "framework_id",
        )
    )
    ratings = defaultdict(dict)
    if cards:
        # A short list of ids is cheaper than repeating the "counted" subquery (a large batch keeps it).
        scope = (
            Q(scorecard_id__in=[c[0] for c in cards])
            if len(cards) <= 1000
            else Q(scorecard__in=counted.values("pk"))
        )
        for scorecard_id, code, value in Rating.objects.filter(scope).values_list(
            "scorecard_id", "criterion__code", "value"
        ):
            ratings[scorecard_id][code] = value
    by_application = defaultdict(list)
    for position, (
        pk,
        application_id,
        rater_id,
        first,
        last,
        username,
        context,
        number,
        recommendation,
        _framework,
    ) in enumerate(cards):
        by_application[application_id].append(
            summary.ScorecardInput(
                id=pk,
                rater_id=rater_id,
                rater_name=_rater_name(first, last, username),
                context=context,
                session_number=number,
                recommendation=recommendation,
                ratings=ratings[pk],
                position=position,
            )
        )
    catalogues = Catalogues({c[-1] for c in cards})
    frameworks = defaultdict(set)
    for card in cards:
        frameworks[card[1]].add(card[-1])
    return dict(by_application), {
        application_id: catalogues.for_frameworks(frameworks.get(application_id, ()))
        for application_id in ids
    }


def mandate_rater_values(mandate_id) -> dict:
    """``{application id: assessments.summary.rater_values(...)}`` over every application of the
    mandate (counted scorecards only), for the mandate's agreement statistics. Two queries."""
    counted = Scorecard.objects.filter(counted_scorecards_q(), application__mandate_id=mandate_id)
    cards = {
        pk: (application_id, rater_id)
        for pk, application_id, rater_id in counted.values_list("pk", "application_id", "rater_id")
    }
    ratings = defaultdict(dict)
    if cards:
        for scorecard_id, code, value in Rating.objects.filter(
            scorecard__in=counted.values("pk"), value__isnull=False
        ).values_list("scorecard_id", "criterion__code", "value"):
            ratings[scorecard_id][code] = value
    per_application = defaultdict(list)
    for pk, (application_id, rater_id) in cards.items():
        per_application[application_id].append(
            summary.ScorecardInput(
                id=pk,
                rater_id=rater_id,
                rater_name="",
                context="",
                session_number=0,
                recommendation="",
                ratings=ratings[pk],
            )
        )
    return {application_id: summary.rater_values(items) for application_id, items in per_application.items()}


def open_draft_applications(user, *, mandate_id=None, application_ids=None) -> set:
    """Ids of the applications for which ``user`` has an open (current, unsubmitted) scorecard,
    within a mandate and/or a list of applications. One query."""
    qs = Scorecard.objects.filter(rater=user, is_current=True, status=Scorecard.Status.DRAFT)
    if mandate_id is not None:
        qs = qs.filter(application__mandate_id=mandate_id)
    if application_ids is not None:
        qs = qs.filter(application_id__in=list(application_ids))
    return set(qs.values_list("application_id", flat=True))
