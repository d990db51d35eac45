"""Writes of the decision meeting (keyword-only, atomic, validated), and the stage gate.

Rules held here whatever the entry point (pages, admin, demo, tests):

* a meeting is opened only while the application is at stage "decision", and at most one is open
  per application (database constraint too);
* only a panel member (``cso_recruit.access.is_panel_member``: the mandate's CEO and recruiters)
  votes, once per meeting (database constraint), with a written rationale, while the meeting is
  open; voting again changes the vote in place (``revision`` + 1; earlier versions are not kept);
* only the mandate's CEO records the final decision, with its rationale; it closes the meeting and
  records the product's reading the CEO reads at that moment (``figures.reading``); a decision
  that differs from it (``decisions.models.DIFFERS``) needs a written reason;
* the stage gate (:func:`check_stage_move`, connected to ``cso_recruit.events.stage_move_checked``):
  "decision" → "offer" needs a final decision "hire", "decision" → "rejected" a final decision
  "do not hire", in the application's standing meeting.

The meeting row is locked (``select_for_update``) by every write on it, so two votes, or a vote
and the decision, serialise: a vote that arrives after the decision is refused.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application, Stage
from cso_recruit import access

from . import selectors
from .models import Choice, DecisionMeeting, Vote, differs_from_reading

#: Longest rationale or SWOT text accepted, in characters.
MAX_TEXT = 5000


def _text(value) -> str:
    return (value or "").strip()


def _check_choice(value, field):
    if value not in Choice.values:
        raise ValidationError({field: _("Choose hire, do not hire or need more evidence.")})


def _check_length(value, field):
    if len(value) > MAX_TEXT:
        raise ValidationError(
            {
                field: _("At most %(n)d characters, please (%(len)d typed).")
                % {"n": MAX_TEXT, "len": len(value)}
            }
        )


def _locked_open_meeting(meeting) -> DecisionMeeting:
    locked = (
        DecisionMeeting.objects.select_for_update().select_related("application__mandate").get(pk=meeting.pk)
    )
    if not locked.is_open:
        raise ValidationError(
            _("This decision meeting is closed: the CEO has recorded the final decision."), code="closed"
        )
    if locked.application.stage != Stage.DECISION:
        raise ValidationError(
            _("The application is no longer at the decision stage."), code="not_at_decision"
        )
    return locked


@transaction.atomic
def meeting_open(*, application, by) -> DecisionMeeting:
    """Open the decision meeting of ``application`` (at stage "decision"), by a recruiter of the
    mandate or staff. Returns the open meeting — the one already open when there is one (a double
    click opens one meeting). Raises ``ValidationError`` when the application is not at stage
    "decision" or ``by`` may not open it."""
    application = Application.objects.select_for_update().select_related("mandate").get(pk=application.pk)
    if not access.can_open_decision_meeting(by, application):
        raise ValidationError(_("Only a recruiter of the mandate opens the decision meeting."))
    if application.stage != Stage.DECISION:
        raise ValidationError(_("A decision meeting opens only at the decision stage."))
    existing = DecisionMeeting.objects.filter(application=application, decided_at__isnull=True).first()
    if existing is not None:
        return existing
    if selectors.decided_since_entry(application) is not None:
        raise ValidationError(
            _(
                "The decision is recorded: move the application on, or back to the sessions for a new meeting."
            ),
            code="decided",
        )
    meeting = DecisionMeeting(application=application, opened_by=by)
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def vote_cast(*, meeting, by, choice, rationale) -> Vote:
    """Record (or change) ``by``'s vote at ``meeting``: ``choice`` a :class:`Choice` code,
    ``rationale`` a non-empty text. Returns the vote (``revision`` 1 when first cast, + 1 at each
    change; an identical resubmission changes nothing). Raises ``ValidationError`` (field-keyed
    for the form's fields) when ``by`` is not on the panel, the meeting is closed or the
    application left the decision stage."""
    rationale = _text(rationale)
    _check_choice(choice, "choice")
    if not rationale:
        raise ValidationError({"rationale": _("Write why you vote this way.")})
    _check_length(rationale, "rationale")
    meeting = _locked_open_meeting(meeting)
    if not access.is_panel_member(by, meeting.application):
        raise ValidationError(_("Only the panel (the mandate's CEO and recruiters) votes."))
    vote = Vote.objects.filter(meeting=meeting, voter=by).first()
    now = timezone.now()
    if vote is None:
        vote = Vote(
            meeting=meeting, voter=by, choice=choice, rationale=rationale, cast_at=now, changed_at=now
        )
        vote.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                vote.save()
        except IntegrityError:  # pragma: no cover - the meeting's lock serialises the voters
            raise ValidationError(
                _("Your vote was recorded meanwhile; send it again to change it.")
            ) from None
        return vote
    if (vote.choice, vote.rationale) == (choice, rationale):
        return vote
    vote.choice, vote.rationale = choice, rationale
    vote.revision += 1
    vote.changed_at = now
    vote.full_clean(validate_constraints=False)
    vote.save(update_fields=["choice", "rationale", "revision", "changed_at"])
    return vote


@transaction.atomic
def meeting_decide(*, meeting, by, decision, rationale, differs_reason="") -> DecisionMeeting:
    """Record the CEO's final decision and close ``meeting``.

    Args:
        meeting: the open meeting; by: the mandate's CEO.
        decision: a :class:`Choice` code; rationale: non-empty text.
        differs_reason: required (non-empty) when the decision differs from the product's reading
            ``by`` reads now (``figures.selectors.application_summary``; mapping in
            ``decisions.models.DIFFERS``); kept empty otherwise.

    Returns the closed meeting, with ``reading_level`` and ``differs`` recorded. Raises
    ``ValidationError`` (field-keyed: ``decision``, ``rationale``, ``differs_reason``) when a rule
    fails; the independence rule applies: a CEO with a scorecard in progress for this application
    submits it first (the figures are hidden from them until then).
    """
    rationale, differs_reason = _text(rationale), _text(differs_reason)
    _check_choice(decision, "decision")
    meeting = _locked_open_meeting(meeting)
    application = meeting.application
    if not access.can_record_final_decision(by, application):
        raise ValidationError(_("Only the mandate's CEO records the final decision."))
    level = selectors.product_reading(application=application, user=by)
    if level is None:
        raise ValidationError(
            _("Submit your scorecard in progress first: the figures stay hidden from you until then.")
        )
    errors = {}
    if not rationale:
        errors["rationale"] = _("Write the rationale of the decision.")
    differs = differs_from_reading(decision, level)
    if differs and not differs_reason:
        errors["differs_reason"] = _(
            "This decision differs from the product’s reading (%(level)s): say why in writing."
        ) % {"level": level_label(level)}
    if errors:
        raise ValidationError(errors)
    _check_length(rationale, "rationale")
    _check_length(differs_reason, "differs_reason")
    meeting.decision = decision
    meeting.rationale = rationale
    meeting.decided_by = by
    meeting.decided_at = timezone.now()
    meeting.reading_level = level
    meeting.differs = differs
    meeting.differs_reason = differs_reason if differs else ""
    meeting.full_clean(validate_constraints=False)
    meeting.save()
    return meeting


def level_label(level: str) -> str:
    """The reading level's label in the active language."""
    from .models import ReadingLevel

    try:
        return str(ReadingLevel(level).label)
    except ValueError:
        return level


@transaction.atomic
def application_swot_update(*, application, by, opportunities, threats) -> Application:
    """Set the SWOT's opportunities and threats of ``application`` (free texts, one item a line),
    by a recruiter of the mandate or staff. Strengths and weaknesses are not stored: they are
    derived from the figures (``reports.rendering.swot_from_scores``). Raises ``ValidationError``
    (field-keyed) for a text over :data:`MAX_TEXT` characters or when ``by`` may not edit it."""
    application = Application.objects.select_for_update().select_related("mandate").get(pk=application.pk)
    if not access.can_edit_swot(by, application):
        raise ValidationError(_("Only a recruiter of the mandate edits the SWOT."))
    opportunities, threats = _text(opportunities), _text(threats)
    _check_length(opportunities, "opportunities")
    _check_length(threats, "threats")
    application.swot_opportunities = opportunities
    application.swot_threats = threats
    application.full_clean(validate_unique=False, validate_constraints=False)
    application.save(update_fields=["swot_opportunities", "swot_threats"])
    return application


#: The stage gate: target stage (from "decision") → the final decision it needs.
GATE = {Stage.OFFER: Choice.HIRE, Stage.REJECTED: Choice.NO_HIRE}


def check_stage_move(sender=None, *, application, from_stage, to_stage, by=None, **kwargs) -> None:
    """Receiver of ``cso_recruit.events.stage_move_checked``: refuse "decision" → "offer" without
    a recorded final decision "hire", and "decision" → "rejected" without "do not hire", in the
    application's standing meeting (``selectors.current_meeting``: an open meeting, even after an
    older decision, records nothing yet), decided since the application last entered "decision" (a
    decision taken before it went back to the sessions does not carry over). Raises
    ``ValidationError({"to_stage": message})``."""
    if from_stage != Stage.DECISION or to_stage not in GATE:
        return
    needed = GATE[to_stage]
    meeting = selectors.current_meeting(application)
    if (
        meeting is not None
        and not meeting.is_open
        and meeting.decision == needed
        and meeting.decided_at >= application.stage_entered_at
    ):
        return
    raise ValidationError(
        {
            "to_stage": _(
                "Moving to “%(stage)s” needs the CEO’s final decision “%(decision)s”, recorded at the "
                "decision meeting."
            )
            % {"stage": Stage(to_stage).label, "decision": Choice(needed).label}
        }
    )
