"""Reads of the decision meeting: the panel, the meeting and its votes with the independence rule
applied (``cso_recruit.access.decision_votes_visible``), the agenda generated from the stored
figures, and the small status other parts show (shortlist PDF, report snapshot, CLI).

The agenda recomputes nothing: it reads the viewer's ``figures.selectors.application_summary``
(criteria, reliability, reading, compatibility as stored), the coverage of ``sessions.selectors``
over that same summary, and the sessions' perception and punctuation through
``sessions.selectors.session_perception`` (which applies the sealing rules).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Rating, RoleGroup, Scorecard
from assessments.selectors import counted_scorecards_q
from candidates.models import Application, Mandate, Stage
from cso_recruit import access
from figures.selectors import application_summary
from sessions import i18n as session_i18n
from sessions import ipa
from sessions import selectors as session_selectors
from sessions.compatibility import perception_table
from sessions.coverage import GROUPS
from sessions.models import WorkingSession
from sessions.todo import ExtraTodoItem

from .models import Choice, DecisionMeeting, differs_from_reading

#: A perception gap enters the agenda from this many rating points (party − mediator, or CEO −
#: candidate), in absolute value: a whole point on the 1–5 anchors is a difference in what the two
#: lived, worth discussing. A product convention for the agenda, not a validated cut-off.
PERCEPTION_GAP_POINTS = 1.0
#: The standing meeting first: the open one (no decision date), else the last decided.
STANDING_ORDER = (F("decided_at").desc(nulls_first=True), "-opened_at", "-pk")


def user_name(user) -> str:
    """Full name, else user name; "" for ``None``."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


# ---------------------------------------------------------------------------------- panel


def panel_members(application) -> list:
    """The panel of ``application``: the users who score it and vote at its meeting — the
    mandate's CEO first, then its recruiters by name (``access.is_panel_member``). One query."""
    mandate_id = application.mandate_id
    recruiters = Mandate.recruiters.through.objects.filter(mandate_id=mandate_id).values("user_id")
    users = list(
        get_user_model()
        .objects.filter(Q(pk__in=recruiters) | Q(mandates_as_ceo__pk=mandate_id))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    ceo_id = application.mandate.ceo_id
    return sorted(users, key=lambda u: u.pk != ceo_id)


# ---------------------------------------------------------------------------------- meeting


def current_meeting(application) -> DecisionMeeting | None:
    """The application's meeting that stands: the open one, else the last decided one; ``None``
    when no meeting was ever opened. One query."""
    return (
        DecisionMeeting.objects.filter(application=application)
        .select_related("opened_by", "decided_by")
        .order_by(*STANDING_ORDER)
        .first()
    )


def meeting_state(*, application, user, meeting=None) -> dict:
    """What ``user`` reads of the meeting of ``application``.

    Returns ``{"meeting": DecisionMeeting | None, "panel": [user], "voted_ids": {user ids},
    "all_voted": bool, "votes_visible": bool, "votes": [Vote] (every vote when visible, else []),
    "my_vote": Vote | None, "is_panel_member": bool, "dissent": [Vote] (visible votes whose choice
    differs from the final decision; empty while none)}``. Three queries at most.
    """
    meeting = meeting if meeting is not None else current_meeting(application)
    panel = panel_members(application)
    votes = list(meeting.votes.select_related("voter")) if meeting is not None else []
    voted = {v.voter_id for v in votes}
    all_voted = bool(panel) and all(member.pk in voted for member in panel)
    visible = access.decision_votes_visible(user, meeting, all_voted=all_voted)
    mine = next((v for v in votes if user is not None and v.voter_id == user.pk), None)
    dissent = []
    if visible and meeting is not None and meeting.decision:
        dissent = [v for v in votes if v.choice != meeting.decision]
    return {
        "meeting": meeting,
        "panel": panel,
        "voted_ids": voted,
        "all_voted": all_voted,
        "votes_visible": visible,
        "votes": votes if visible else [],
        "my_vote": mine,
        "is_panel_member": any(user is not None and m.pk == user.pk for m in panel),
        "dissent": dissent,
    }


# ---------------------------------------------------------------------------------- agenda


def _dimension_label(code) -> str:
    dimension = ipa.DIMENSIONS_BY_CODE.get(code)
    if dimension is None:
        return code
    return dimension.label_en if translation.get_language() == "en" else dimension.label_fr


def _criteria_items(application, summary) -> list[dict]:
    """Red then amber criteria of the stored figures, each with the raters' values and the
    evidence written in the counted scorecards (one query)."""
    flagged = [c for c in summary.assessment.criteria if c.level in ("red", "amber")]
    flagged.sort(key=lambda c: (c.level != "red", c.order))
    names = {r.id: r.name for r in summary.assessment.raters}
    evidence: dict[str, list] = {}
    if flagged:
        ratings = (
            Rating.objects.filter(
                scorecard__in=Scorecard.objects.filter(counted_scorecards_q(), application=application),
                criterion__code__in=[c.code for c in flagged],
                value__isnull=False,
            )
            .exclude(evidence="")
            .select_related("criterion", "scorecard")
            .order_by("scorecard__submitted_at", "scorecard_id")
        )
        for rating in ratings:
            evidence.setdefault(rating.criterion.code, []).append(
                {
                    "rater": names.get(rating.scorecard.rater_id, ""),
                    "value": rating.value,
                    "context": rating.scorecard.context,
                    "session_number": rating.scorecard.session_number,
                    "text": rating.evidence,
                }
            )
    return [
        {
            "code": c.code,
            "label": c.label,
            "group": c.group,
            "level": c.level,
            "advice": c.advice,
            "score": c.score,
            "range": c.range,
            "rater_values": [{"rater": names.get(r.rater, ""), "value": r.value} for r in c.rater_values],
            "evidence": evidence.get(c.code, []),
        }
        for c in flagged
    ]


def _perception_items(compatibility) -> list[dict]:
    rows = perception_table(compatibility.get("dimension_means"), compatibility.get("perception_gap_means"))
    items = []
    for row in rows:
        gaps = [row[key] for key in ("ceo", "candidate", "parties") if row[key] is not None]
        if any(abs(gap) >= PERCEPTION_GAP_POINTS for gap in gaps):
            items.append({**row, "label": _dimension_label(row["code"])})
    return items


def _punctuation_items(application, user) -> list[dict]:
    """Held sessions for which at least two of the three accounts of the main disagreement (CEO,
    candidate, mediator) can be read by ``user``: the accounts, side by side, for the panel to
    compare. The software does not judge whether they agree (it counts, people read)."""
    items = []
    sessions = (
        WorkingSession.objects.filter(application=application, status=WorkingSession.Status.HELD)
        .select_related("application__mandate")
        .order_by("order", "pk")
    )
    for session in sessions:
        observation = session_selectors.visible_observation(session=session, user=user)
        perception = session_selectors.session_perception(session=session, user=user, observation=observation)
        if perception is None:
            continue
        accounts = perception["punctuation"]
        if sum(bool(text.strip()) for text in accounts.values()) >= 2:
            items.append({"order": session.order, **accounts})
    return items


def agenda(*, application, user) -> dict:
    """The decision meeting's agenda for ``user``, generated from the stored figures.

    Returns ``{"hidden": bool}`` — True when the independence rule hides the figures from
    ``user`` (an open scorecard of theirs for this application): nothing else is then given —
    or ``{"hidden": False, "reading": {"level", "reasons"}, "criteria": [red then amber criteria:
    code, label, group, level, advice, score, range, rater_values [{rater, value}], evidence
    [{rater, value, context, session_number, text}]], "unevidenced_roles": [{"code", "label"}]
    (role groups no counted session rating evidences; empty when evidence is hidden),
    "coverage_warnings": [translated coverage warnings, ``sessions.i18n.coverage_view``],
    "reliability": ``figures.reading.Reliability.to_dict()``, "rater_names": {rater id: name},
    "statistics_visible": bool,
    "perception": [perception rows with a gap ≥ PERCEPTION_GAP_POINTS, with "label"],
    "punctuation": [{"order", "ceo", "candidate", "mediator"}], "criteria_scores": [{"code",
    "label", "group", "score"}] (every criterion, for the SWOT's strengths and weaknesses)}``.
    """
    summary = application_summary(application=application, user=user)
    if summary is None:
        return {"hidden": True}
    coverage = session_selectors.coverage_for(application=application, summary=summary)
    labels = dict(RoleGroup.choices)
    unevidenced = []
    if coverage.evidence_visible:
        unevidenced = [
            {"code": g, "label": str(labels.get(g, g))} for g in GROUPS if not coverage.roles[g].evidencing
        ]
    names = {r.id: r.name for r in summary.assessment.raters}
    reliability = summary.reliability
    criterion_labels = {c.code: c.label for c in summary.assessment.criteria}
    return {
        "hidden": False,
        "reading": summary.reading.to_dict(),
        "criteria": _criteria_items(application, summary),
        "unevidenced_roles": unevidenced,
        "coverage_warnings": session_i18n.coverage_view(coverage.to_dict(), criterion_labels)["warnings"],
        "reliability": reliability.to_dict(),
        "rater_names": names,
        "statistics_visible": summary.statistics.visible,
        "perception": _perception_items(summary.compatibility),
        "punctuation": _punctuation_items(application, user),
        "criteria_scores": [
            {"code": c.code, "label": c.label, "group": c.group, "score": c.score}
            for c in summary.assessment.criteria
        ],
    }


def product_reading(*, application, user) -> str | None:
    """The product's reading level (``figures.reading.LEVELS``) that ``user`` reads for
    ``application``, or ``None`` when the independence rule hides the figures from them."""
    summary = application_summary(application=application, user=user)
    return None if summary is None else summary.reading.level


# ---------------------------------------------------------------------------------- status


def _status_dict(meeting, votes_cast, panel_size) -> dict:
    labels = dict(Choice.choices)
    if meeting is None:
        status = "none"
    else:
        status = "open" if meeting.is_open else "decided"
    decision = meeting.decision if meeting is not None and meeting.decision else None
    return {
        "status": status,
        "decision": decision,
        "decision_label": str(labels[decision]) if decision else "",
        "decided_at": meeting.decided_at.isoformat() if meeting is not None and meeting.decided_at else None,
        "reading_level": (meeting.reading_level or None) if meeting is not None else None,
        "differs_from_reading": meeting.differs if decision else None,
        "votes_cast": votes_cast,
        "panel_size": panel_size,
    }


def decision_statuses(application_ids) -> dict[int, dict]:
    """:func:`decision_status` of several applications at once: ``{application id: status
    dict}``, every id present. Three queries whatever the number of applications."""
    ids = list(application_ids)
    meetings = {}
    for meeting in (
        DecisionMeeting.objects.filter(application_id__in=ids)
        .annotate(n_votes=Count("votes"))
        .order_by("application_id", *STANDING_ORDER)
    ):
        meetings.setdefault(meeting.application_id, meeting)
    sizes, members = {}, {}
    for pk, mandate_id, ceo_id in Application.objects.filter(pk__in=ids).values_list(
        "pk", "mandate_id", "mandate__ceo_id"
    ):
        sizes[pk] = mandate_id
        members[mandate_id] = {ceo_id}
    recruiters = Mandate.recruiters.through.objects.filter(mandate_id__in=set(sizes.values()))
    for row in recruiters.values("mandate_id", "user_id"):
        members[row["mandate_id"]].add(row["user_id"])
    result = {}
    for application_id in ids:
        meeting = meetings.get(application_id)
        mandate_id = sizes.get(application_id)
        panel = len(members.get(mandate_id, ())) if mandate_id is not None else 0
        result[application_id] = _status_dict(meeting, meeting.n_votes if meeting else 0, panel)
    return result


def decision_status(application) -> dict:
    """The decision status of ``application`` for lists and documents that do not show the votes
    (the shortlist PDF, say): no vote's content, so no access rule applies beyond reading the
    application.

    Returns ``{"status": "none" | "open" | "decided", "decision": "hire" | "no_hire" |
    "more_evidence" | None, "decision_label": str (active language, "" without decision),
    "decided_at": ISO 8601 | None, "reading_level": the product's reading recorded with the
    decision (``figures.reading.LEVELS``) | None, "differs_from_reading": bool | None (``None``
    without decision), "votes_cast": int (votes of the standing meeting), "panel_size": int}``.
    The standing meeting is the open one, else the last decided (a "need more evidence" decision
    followed by a new meeting reads "open"). Three queries.
    """
    return decision_statuses([application.pk])[application.pk]


def decision_for_viewer(*, application, user) -> dict:
    """The decision as ``user`` reads it (``assessment_summary --json``'s ``decision``; ``user``
    ``None``: an operator's unrestricted command, every vote shown).

    Returns :func:`decision_status` plus ``"rationale"`` and ``"decided_by"`` (name), ``"votes"``:
    ``[{"voter", "choice", "rationale", "revision", "changed_at"}]`` when visible to ``user``
    (else ``None``), ``"votes_visible"``: bool, ``"dissent"``: voter names whose vote differs from
    the final decision (visible votes only).
    """
    status = decision_status(application)
    meeting = current_meeting(application)
    if user is None:
        votes = list(meeting.votes.select_related("voter")) if meeting else []
        visible = meeting is not None
    else:
        state = meeting_state(application=application, user=user, meeting=meeting)
        votes, visible = state["votes"], state["votes_visible"]
    decision = meeting.decision if meeting is not None else ""
    return {
        **status,
        "rationale": meeting.rationale if meeting is not None else "",
        "decided_by": user_name(meeting.decided_by) if meeting is not None else "",
        "differs_reason": meeting.differs_reason if meeting is not None else "",
        "votes_visible": visible,
        "votes": [
            {
                "voter": user_name(v.voter),
                "choice": v.choice,
                "rationale": v.rationale,
                "revision": v.revision,
                "changed_at": v.changed_at.isoformat(),
            }
            for v in votes
        ]
        if visible
        else None,
        "dissent": [user_name(v.voter) for v in votes if decision and v.choice != decision]
        if visible
        else [],
    }


def decision_snapshot(application) -> dict:
    """The decision as the report snapshot freezes it (``reports.snapshot``, schema 4): the votes
    enter only once they are visible to every reader of the report (the meeting closed, or every
    panel member voted), as in :func:`meeting_state`.

    Returns :func:`decision_status` plus ``"rationale"``, ``"decided_by"``, ``"differs_reason"``,
    ``"votes"``: ``[{"voter", "choice"}]`` or ``None`` (hidden), and ``"dissent"``:
    ``[{"voter", "choice"}]`` (votes that differ from the final decision). JSON-ready.
    """
    status = decision_status(application)
    meeting = current_meeting(application)
    votes = list(meeting.votes.select_related("voter")) if meeting is not None else []
    voted = {v.voter_id for v in votes}
    panel = panel_members(application) if meeting is not None and meeting.is_open else []
    visible = meeting is not None and (
        not meeting.is_open or (bool(panel) and all(m.pk in voted for m in panel))
    )
    shown = [{"voter": user_name(v.voter), "choice": v.choice} for v in votes] if visible else None
    decision = meeting.decision if meeting is not None else ""
    return {
        **status,
        "rationale": meeting.rationale if meeting is not None else "",
        "decided_by": user_name(meeting.decided_by) if meeting is not None else "",
        "differs_reason": meeting.differs_reason if meeting is not None else "",
        "votes": shown,
        "dissent": [v for v in shown if decision and v["choice"] != decision] if shown else [],
    }


__all__ = [
    "PERCEPTION_GAP_POINTS",
    "agenda",
    "current_meeting",
    "decision_for_viewer",
    "decision_snapshot",
    "decision_status",
    "decision_statuses",
    "differs_from_reading",
    "meeting_state",
    "panel_members",
    "product_reading",
]


def decided_since_entry(application):
    """The meeting of ``application`` decided "hire" or "do not hire" since it last entered the
    decision stage, or ``None`` (none, or "need more evidence", which calls for a new meeting)."""
    return (
        DecisionMeeting.objects.filter(
            application=application,
            decided_at__gte=application.stage_entered_at,
            decision__in=[Choice.HIRE, Choice.NO_HIRE],
        )
        .order_by("-decided_at")
        .first()
    )


def vote_due_after() -> timedelta:
    """How long a panel member has to vote once the decision meeting is open ("À faire" marks the
    vote overdue after): ``DECISION_VOTE_DUE_HOURS`` hours (settings; default 48)."""
    return timedelta(hours=getattr(settings, "DECISION_VOTE_DUE_HOURS", 48))


def votes_owed_todo(user, now=None) -> list:
    """The votes ``user`` owes as a panel member (``access.is_panel_member``: the mandate's CEO or
    a recruiter) at open decision meetings, as "À faire" items (``sessions.todo.ExtraTodoItem``),
    due :func:`vote_due_after` after the meeting opened. Two queries."""
    if not (user and user.is_authenticated):
        return []
    now = now or timezone.now()
    meetings = (
        DecisionMeeting.objects.filter(decided_at__isnull=True, application__stage=Stage.DECISION)
        .filter(Q(application__mandate__ceo=user) | Q(application__mandate__recruiters=user))
        .exclude(votes__voter=user)
        .select_related("application__candidate", "application__mandate__company")
        .distinct()
    )
    items = []
    for meeting in meetings:
        application = meeting.application
        due = meeting.opened_at + vote_due_after()
        items.append(
            ExtraTodoItem(
                kind="decision_vote",
                label=str(_("Your vote at the decision meeting")),
                candidate=application.candidate.full_name,
                company=application.mandate.company.name,
                due=due,
                url=reverse("decisions:meeting", kwargs={"pk": application.pk}),
                overdue=due <= now,
                action=str(_("Vote")),
                detail=str(_("The votes stay hidden until every panel member has voted.")),
            )
        )
    return items
