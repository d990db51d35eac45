"""Write operations on frameworks and scorecards (keyword-only, atomic, validated).

Rules held here whatever the entry point: a submitted scorecard is immutable; a change is a new
revision with a mandatory reason (the earlier one is kept); a framework version in use is frozen;
evidence is required for ratings of 1 and 5 (the ends of the BARS scale need an observed fact).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cso_recruit import revisions
from cso_recruit.events import figures_inputs_changed

from .models import CompetencyFramework, Criterion, Rating, Scorecard

EVIDENCE_REQUIRED_FOR = (1, 5)
#: A scorecard's identity (who rates what with which framework): set when it starts, never changed
#: by saving or submitting, so those do not re-check it (one query per foreign key otherwise); the
#: database holds the foreign keys and constraints.
_IDENTITY = ["application", "rater", "framework", "supersedes"]


def framework_active() -> CompetencyFramework:
    """The active competency framework version used for new scorecards.

    Raises ``CompetencyFramework.DoesNotExist`` when none is active (the data migration makes one).
    """
    framework = CompetencyFramework.objects.filter(is_active=True).order_by("-created_at", "-pk").first()
    if framework is None:
        raise CompetencyFramework.DoesNotExist("No active competency framework.")
    return framework


@transaction.atomic
def framework_new_version(*, framework: CompetencyFramework) -> CompetencyFramework:
    """Copy ``framework`` and its criteria into version n+1, which becomes the active one.

    This is how a frozen framework (used by a scorecard) is edited. Returns the new version.
    """
    latest = CompetencyFramework.objects.filter(name=framework.name).order_by("-version").first()
    CompetencyFramework.objects.filter(name=framework.name, is_active=True).update(is_active=False)
    new = CompetencyFramework.objects.create(
        name=framework.name, version=latest.version + 1, is_active=True, notes=framework.notes
    )
    criteria = list(framework.criteria.all())
    for criterion in criteria:
        criterion.pk = None
        criterion.framework = new
    Criterion.objects.bulk_create(criteria)
    figures_inputs_changed(all_applications=True)  # the catalogue (criteria, weights) changed
    return new


def framework_check_editable(*, framework: CompetencyFramework) -> None:
    """Raise ``ValidationError`` if ``framework`` is frozen (any scorecard uses it)."""
    if framework.is_frozen:
        raise ValidationError(
            _(
                "This framework version is used by scorecards and is frozen; "
                "create a new version to change it."
            ),
            code="frozen",
        )


@transaction.atomic
def scorecard_start(
    *, application, rater, context: str = Scorecard.Context.SCREENING, session_number: int = 0
) -> Scorecard:
    """The rater's current scorecard for (application, context, session), created as a draft with
    one NE rating per criterion of the active framework when there is none yet. Raises
    ``ValidationError`` (code ``no_framework``) when no framework version is active."""
    if context != Scorecard.Context.WORKING_SESSION:
        session_number = 0
    # Lock the application so that a double click or two tabs cannot create two current drafts.
    type(application).objects.select_for_update().filter(pk=application.pk).first()
    existing = Scorecard.objects.filter(
        application=application, rater=rater, context=context, session_number=session_number, is_current=True
    ).first()
    if existing:
        return existing
    try:
        framework = framework_active()
    except CompetencyFramework.DoesNotExist as exc:
        raise ValidationError(
            _("No competency framework is active: ask an administrator to activate one before rating."),
            code="no_framework",
        ) from exc
    scorecard = Scorecard(
        application=application,
        rater=rater,
        framework=framework,
        context=context,
        session_number=session_number,
    )
    scorecard.full_clean()
    scorecard.save()
    Rating.objects.bulk_create(
        Rating(scorecard=scorecard, criterion=c) for c in scorecard.framework.criteria.all()
    )
    return scorecard


def _check_draft(scorecard: Scorecard) -> None:
    if scorecard.is_submitted:
        raise ValidationError(
            _(
                "This scorecard is submitted and can no longer change; start a revision "
                "with a reason instead."
            ),
            code="immutable",
        )


@transaction.atomic
def scorecard_save(
    *, scorecard: Scorecard, ratings: dict, recommendation: str, summary: str = "", by
) -> Scorecard:
    """Save a draft: ``ratings`` maps criterion id → ``(value 1–5 or None for NE, evidence text)``.

    Raises ``ValidationError`` if the scorecard is submitted, ``by`` is not its rater, a criterion
    is not in its framework, or a value is outside 1–5.
    """
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if by.pk != scorecard.rater_id:
        raise ValidationError(_("Only the rater can change this scorecard."), code="not_rater")
    _check_draft(scorecard)
    existing = {r.criterion_id: r for r in scorecard.ratings.all()}
    unknown = set(ratings) - set(existing)
    if unknown:
        raise ValidationError(
            _("A criterion does not belong to this scorecard's framework."), code="criterion"
        )
    for criterion_id, (value, evidence) in ratings.items():
        rating = existing[criterion_id]
        rating.value = value
        rating.evidence = (evidence or "").strip()
        # Field validators (1–5) run here; the check constraints hold in the database on save —
        # validating them in Python would cost one query per rating and constraint.
        rating.full_clean(exclude=["scorecard", "criterion"], validate_constraints=False)
    Rating.objects.bulk_update(existing.values(), ["value", "evidence"])
    scorecard.recommendation = recommendation
    scorecard.summary = summary
    scorecard.full_clean(exclude=_IDENTITY, validate_constraints=False)  # identity and constraints unchanged
    scorecard.save()
    return scorecard


def scorecard_problems(scorecard: Scorecard) -> dict:
    """What prevents submitting: ``{criterion_id: message}`` for 1s and 5s without evidence, and
    ``{None: message}`` when every criterion is NE.

    Reads the ratings from the database (not a prefetched cache), so it reflects what was just saved.
    """
    problems = {}
    ratings = list(
        Rating.objects.filter(scorecard_id=scorecard.pk).order_by("criterion__order", "criterion_id")
    )
    for rating in ratings:
        if rating.value in EVIDENCE_REQUIRED_FOR and not rating.evidence.strip():
            problems[rating.criterion_id] = _("A rating of %(value)d needs the evidence you observed.") % {
                "value": rating.value
            }
    if ratings and all(r.value is None for r in ratings):
        problems[None] = _("Rate at least one criterion (NE everywhere says nothing).")
    return problems


@transaction.atomic
def scorecard_submit(*, scorecard: Scorecard, by) -> Scorecard:
    """Submit a draft: it becomes immutable. Raises ``ValidationError`` listing what is missing."""
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if by.pk != scorecard.rater_id:
        raise ValidationError(_("Only the rater can submit this scorecard."), code="not_rater")
    _check_draft(scorecard)
    problems = scorecard_problems(scorecard)
    if problems:
        # Name the criterion: two 5s without evidence would otherwise give two identical messages.
        labels = {
            c.pk: c.label for c in Criterion.objects.filter(pk__in=[k for k in problems if k is not None])
        }
        raise ValidationError(
            [
                message
                if key is None
                else _("%(criterion)s: %(problem)s") % {"criterion": labels[key], "problem": message}
                for key, message in problems.items()
            ],
            code="incomplete",
        )
    scorecard.status = Scorecard.Status.SUBMITTED
    scorecard.submitted_at = timezone.now()
    scorecard.full_clean(exclude=_IDENTITY, validate_constraints=False)  # status and date only
    scorecard.save()
    figures_inputs_changed(application_ids=[scorecard.application_id], ratings=True)
    return scorecard


@transaction.atomic
def scorecard_revise(*, scorecard: Scorecard, by, reason: str) -> Scorecard:
    """Open a new draft revision of a submitted scorecard, with a mandatory ``reason``.

    The submitted revision is kept unchanged (``is_current`` false); the new draft copies its
    ratings. Raises ``ValidationError`` without a reason, on a draft, or for another user.
    """
    revision = revisions.revise(
        scorecard,
        by=by,
        reason=reason,
        owner_code="not_rater",
        messages={
            "not_owner": _("Only the rater can revise this scorecard."),
            "not_submitted": _("Only the current submitted scorecard can be revised."),
            "reason": _("Say why the scorecard is revised (for example what the discussion brought out)."),
        },
    )
    # The submitted revision still counts while this one is a draft; recomputing keeps the rule in
    # one place (``assessments.selectors.counted_scorecards_q``) whatever it says.
    figures_inputs_changed(application_ids=[scorecard.application_id], ratings=True)
    return revision


@transaction.atomic
def scorecard_delete(*, scorecard: Scorecard) -> None:
    """Delete a scorecard (an administrator's correction). When it is the current revision of a
    scorecard it superseded, that earlier revision becomes current again, so deleting an open
    revision never drops the submitted ratings it was revising. Raises ``ProtectedError`` for a
    revision that a later revision supersedes (delete the later one first)."""
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    previous, was_current = scorecard.supersedes_id, scorecard.is_current
    application_id = scorecard.application_id
    scorecard.delete()
    if previous and was_current:
        Scorecard.objects.filter(pk=previous).update(is_current=True)
    figures_inputs_changed(application_ids=[application_id], ratings=True)
