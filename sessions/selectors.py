"""Reads for working sessions, observations and compatibility, access-filtered (sealing included)."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import UserProfile
from cso_recruit import access

from . import compatibility, ipa, scheduling
from . import coverage as coverage_rules
from .models import BriefingFile, Debrief, Observation, WorkingSession


def _base(qs):
    return qs.select_related(
        "application__candidate", "application__mandate__company", "application__mandate__ceo", "mediator"
    )


def session_detail(*, pk, user):
    """One session the user may see (404 otherwise), with participants loaded."""
    return access.get_visible_or_404(_base(access.sessions_visible_to(user)), pk=pk)


def application_sessions(*, application):
    """The application's sessions in time order, with current observation and debriefs prefetched."""
    return list(
        _base(WorkingSession.objects.filter(application=application))
        .prefetch_related(
            Prefetch(
                "observations", queryset=Observation.objects.filter(is_current=True), to_attr="current_obs"
            ),
            "debriefs",
        )
        .order_by("starts_at")
    )


def mediator_sessions(*, user, now=None):
    """The mediator's sessions split in ``upcoming`` (planned, in the future), ``to_observe``
    (started, no observation yet; no-shows left out) and ``drafts`` (an observation in progress)."""
    now = now or timezone.now()
    sessions = list(
        _base(access.sessions_assigned_to(user))
        .exclude(status=WorkingSession.Status.CANCELLED)
        .prefetch_related(
            Prefetch(
                "observations", queryset=Observation.objects.filter(is_current=True), to_attr="current_obs"
            )
        )
        .order_by("starts_at")
    )
    upcoming, to_observe, drafts, done = [], [], [], []
    for session in sessions:
        current = session.current_obs[0] if session.current_obs else None
        if current and not current.is_submitted:
            drafts.append(session)
        elif current and current.is_submitted:
            done.append(session)
        elif session.status == WorkingSession.Status.NO_SHOW:
            continue  # nobody came: nothing to observe
        elif session.starts_at > now:
            upcoming.append(session)
        else:
            to_observe.append(session)
    return {"upcoming": upcoming, "to_observe": to_observe, "drafts": drafts, "done": done}


def session_minute(session, *, upper, now=None):
    """The session clock: whole minutes elapsed since ``session.starts_at`` (rounded down), the
    default minute of a new critical incident. ``None`` before the start or past ``upper`` minutes
    (the incident's bound, 600): then the mediator types the minute. ``now``: aware datetime,
    default the current time."""
    elapsed = ((now or timezone.now()) - session.starts_at).total_seconds()
    minute = int(elapsed // 60)
    return minute if 0 <= minute <= upper else None


def current_observation(session):
    return (
        Observation.objects.filter(session=session, is_current=True)
        .prefetch_related("ipa_tallies", "incidents")
        .first()
    )


def counted_observations():
    """The mediator observations that count: for each session, the one submitted revision that stands.

    Which one: the current revision once submitted; while a revision is an open draft, the
    submitted one it supersedes (as assessments' ``submitted_scorecards``) — opening a revision
    does not withdraw the mediator's record. Drafts never count.

    Shape: an unevaluated ``QuerySet[Observation]``, **at most one row per session**, every row
    ``status == "submitted"`` (so ``submitted_at`` is set). No joins or prefetches and no access
    filter: chain what you need, e.g.
    ``counted_observations().filter(session__application=application)
    .select_related("session").prefetch_related("ipa_tallies", "incidents")``.
    It does not filter on the session's status either: the session is normally ``held`` (submitting
    marks it so), but may have been set ``no_show`` afterwards — filter
    ``session__status="held"`` if you need held sessions only. Sealing (a CEO reads an observation
    only after their own debrief) is not applied here: check ``cso_recruit.access.observation_visible``
    per user, or go through :func:`visible_observation` / :func:`compatibility_for`.

    Per row, the fields a reader uses:

    - ``session_id``, ``mediator_id``, ``revision`` (1, 2, …), ``submitted_at`` (aware);
    - ``ratings``: ``{dimension code: int 1–5}`` over ``sessions.ipa.DIMENSIONS`` (all of them,
      since submitting requires every dimension);
    - ``verdict``: ``"compatible"``, ``"to_confirm"`` or ``"not_compatible"``
      (``Observation.Verdict``); ``confidence``: int 1–5; ``synthesis``: text (may be empty);
    - ``tallies()``: ``{party: {IPA category code: count}}`` for ``"ceo"`` and ``"candidate"``, every
      category present (zeros included) — prefetch ``ipa_tallies`` to avoid a query per row;
    - ``incidents``: ``CriticalIncident`` rows (``minute``, ``who``, ``behaviour``,
      ``interpretation``, ``tag``), in minute order.
    """
    return Observation.objects.filter(Observation.counted_q())


def visible_observation(*, session, user):
    """The observation ``user`` may read under the sealing rule, else None: the current one
    (the mediator's own draft included), or — while the mediator revises — the submitted one
    that still stands."""
    observation = current_observation(session)
    if observation is not None and access.observation_visible(user, observation):
        return observation
    standing = (
        counted_observations().filter(session=session).prefetch_related("ipa_tallies", "incidents").first()
    )
    if standing is not None and access.observation_visible(user, standing):
        return standing
    return None


def session_perception(*, session, user, observation):
    """The perception-gap table of one session as ``user`` may read it, else ``None``.

    ``observation``: what :func:`visible_observation` gave ``user`` (a draft never enters the
    table). ``None`` when ``user`` may not read the debriefs (``access.debrief_ratings_visible``:
    a CEO before their own debrief, a mediator, anyone outside the mandate) or when no debrief is
    given yet. Otherwise ``{"rows": sessions.compatibility.session_perception_table(...) rows
    (``code``, ``mediator``, ``ceo``, ``candidate`` gaps, ``ceo_rating``, ``candidate_rating``,
    ``parties``), "has_mediator": bool, "has_candidate": bool, "punctuation": {"ceo", "candidate",
    "mediator": text, "" when not given}}``. One or two queries.
    """
    if not access.debrief_ratings_visible(user, session):
        return None
    given = list(Debrief.objects.filter(session=session))
    if not given:
        return None
    debriefs = {d.party: d.ratings for d in given}
    submitted = observation is not None and observation.is_submitted
    mediator = observation.ratings if submitted else None
    return {
        "rows": compatibility.session_perception_table(mediator, debriefs),
        "has_mediator": mediator is not None,
        "has_candidate": "candidate" in debriefs,
        # The punctuation: what each one says started the main disagreement, and how it ended.
        "punctuation": {
            "ceo": next((d.punctuation for d in given if d.party == ipa.CEO), ""),
            "candidate": next((d.punctuation for d in given if d.party == ipa.CANDIDATE), ""),
            "mediator": observation.punctuation if submitted else "",
        },
    }


def session_input(session, observation, debriefs) -> compatibility.SessionInput:
    """The pure ``compatibility.SessionInput`` of one session: ``observation`` is the submitted
    observation that counts for the viewer (``None`` when there is none or it is sealed for them);
    ``debriefs`` maps party (``"ceo"``/``"candidate"``) → ratings ``{dimension: 1–5}``."""
    return compatibility.SessionInput(
        order=session.order,
        status=session.status,
        observed=observation is not None,
        dimension_ratings=observation.ratings if observation else None,
        verdict=(observation.verdict or None) if observation else None,
        confidence=observation.confidence if observation else None,
        tallies=observation.tallies() if observation else None,
        ceo_debrief=debriefs.get("ceo"),
        candidate_debrief=debriefs.get("candidate"),
    )


def compatibility_for(*, application, user=None):
    """``sessions.compatibility.compatibility_summary`` of the application as a JSON-ready dict.

    Observations sealed for ``user`` (a CEO who has not yet debriefed that session) are treated
    as not observed, and counted in ``sealed_sessions``. ``user=None`` → unrestricted.
    """
    sessions = list(
        WorkingSession.objects.filter(application=application)
        .exclude(status=WorkingSession.Status.CANCELLED)
        .select_related("application__mandate")
        .prefetch_related(
            Prefetch(
                "observations",
                queryset=counted_observations().prefetch_related("ipa_tallies"),
                to_attr="submitted_obs",
            ),
            Prefetch("debriefs", queryset=Debrief.objects.all(), to_attr="all_debriefs"),
        )
        .order_by("order", "pk")
    )
    inputs, sealed = [], 0
    for session in sessions:  # cancelled sessions never count (and their number may be reused)
        observation = session.submitted_obs[0] if session.submitted_obs else None
        if observation is not None and user is not None and not access.observation_visible(user, observation):
            observation, sealed = None, sealed + 1
        inputs.append(session_input(session, observation, {d.party: d.ratings for d in session.all_debriefs}))
    data = compatibility.compatibility_summary(inputs).to_dict()
    data["sealed_sessions"] = sealed
    return data


#: The two readings of a session's mediator observation that the stored figures keep: ``full`` as
#: the mandate's recruiters and staff read it (every submitted observation), ``ceo`` as the CEO
#: reads it (sealed until their own debrief of that session).
COMPATIBILITY_VIEWS = ("full", "ceo")


def compatibility_views(application_ids) -> dict:
    """``{application id: {"full": summary, "ceo": summary}}`` where each summary is
    ``sessions.compatibility.compatibility_summary(...).to_dict()`` plus ``sealed_sessions``.

    ``full`` counts every submitted observation that stands; ``ceo`` treats an observation as not
    observed (and counts it in ``sealed_sessions``) until the mandate's CEO has given their own
    debrief of that session — the sealing rule of ``cso_recruit.access.observation_visible`` for
    the CEO. Cancelled sessions never count. Four queries whatever the number of applications.
    """
    ids = list(application_ids)
    sessions = (
        WorkingSession.objects.filter(application_id__in=ids)
        .exclude(status=WorkingSession.Status.CANCELLED)
        .prefetch_related(
            Prefetch(
                "observations",
                to_attr="submitted_obs",
                queryset=counted_observations().prefetch_related("ipa_tallies"),
            ),
            Prefetch("debriefs", queryset=Debrief.objects.all(), to_attr="all_debriefs"),
        )
        .order_by("application_id", "order", "pk")
    )
    inputs = {application_id: {"full": [], "ceo": []} for application_id in ids}
    sealed = dict.fromkeys(ids, 0)
    for session in sessions:
        observation = session.submitted_obs[0] if session.submitted_obs else None
        debriefs = {d.party: d.ratings for d in session.all_debriefs}
        inputs[session.application_id]["full"].append(session_input(session, observation, debriefs))
        ceo_reads = observation is not None and "ceo" in debriefs
        if observation is not None and not ceo_reads:
            sealed[session.application_id] += 1
        inputs[session.application_id]["ceo"].append(
            session_input(session, observation if ceo_reads else None, debriefs)
        )
    result = {}
    for application_id in ids:
        views = {}
        for view in COMPATIBILITY_VIEWS:
            data = compatibility.compatibility_summary(inputs[application_id][view]).to_dict()
            data["sealed_sessions"] = sealed[application_id] if view == "ceo" else 0
            views[view] = data
        result[application_id] = views
    return result


def active_session_count(*, application) -> int:
    """How many non-cancelled (planned, held, no-show) sessions ``application`` has: at
    ``sessions.scheduling.MAX_ACTIVE_SESSIONS`` (4) no other can be scheduled. One query."""
    return (
        WorkingSession.objects.filter(application=application)
        .exclude(status=WorkingSession.Status.CANCELLED)
        .count()
    )


def calendar_sessions(*, user, starts, ends):
    """The sessions ``user`` may see (``cso_recruit.access.sessions_visible_to``: their mandates'
    as CEO, recruiter or staff, and those assigned to them as mediator) starting in the aware
    interval ``[starts, ends)``, cancelled ones left out, in time order, with candidate, company
    and mediator loaded (the calendar page). One query."""
    return list(
        _base(access.sessions_visible_to(user))
        .filter(starts_at__gte=starts, starts_at__lt=ends)
        .exclude(status=WorkingSession.Status.CANCELLED)
        .order_by("starts_at", "pk")
    )


def reader_zone_name(*, user) -> str:
    """The IANA zone ``user`` reads times in on the calendar: their profile's
    (``candidates.UserProfile.time_zone``), else ``scheduling.DEFAULT_TIMEZONE`` (Europe/Paris).
    One query."""
    profile = UserProfile.objects.filter(user=user).only("time_zone").first()
    return (profile.time_zone if profile else "") or scheduling.DEFAULT_TIMEZONE


def participant_sessions(*, user, now=None):
    """The sessions ``user`` takes part in other than as their mediator ("My sessions" of CEOs and
    recruiters, ``access.sessions_participated_by``), cancelled ones left out, split in
    ``upcoming`` (not started yet, soonest first) and ``past`` (latest first). Each session carries
    ``my_roles``: the labels of the parts the user plays in it (CEO, recruiter), and
    ``ceo_debriefed`` (whether the CEO's debrief is given). Two queries."""
    now = now or timezone.now()
    sessions = list(
        _base(access.sessions_participated_by(user).exclude(access.assigned_q(user)))
        .exclude(status=WorkingSession.Status.CANCELLED)
        .prefetch_related("application__mandate__recruiters", "debriefs")
        .order_by("starts_at")
    )
    upcoming, past = [], []
    for session in sessions:
        mandate = session.application.mandate
        roles = []
        if mandate.ceo_id == user.pk:
            roles.append(_("CEO"))
        if any(r.pk == user.pk for r in mandate.recruiters.all()):
            roles.append(_("Recruiter"))
        session.my_roles = roles
        session.ceo_debriefed = any(d.party == ipa.CEO for d in session.debriefs.all())
        (upcoming if session.starts_at > now else past).append(session)
    past.reverse()
    return {"upcoming": upcoming, "past": past}


# ---------------------------------------------------------------------------------- session plan


def session_plan(*, pk, user):
    """One session the user may see (404 otherwise), with participants, its targeted criteria
    (framework order) and its briefing files loaded. Three queries."""
    from assessments.models import Criterion

    return access.get_visible_or_404(
        _base(access.sessions_visible_to(user)).prefetch_related(
            Prefetch("target_criteria", queryset=Criterion.objects.order_by("order", "code")),
            Prefetch("briefing_files", queryset=BriefingFile.objects.order_by("uploaded_at", "pk")),
        ),
        pk=pk,
    )


def plan_criteria() -> list:
    """The criteria a session plan may target: the active framework version's, in display order
    (``[]`` when no version is active). One or two queries."""
    from assessments.models import CompetencyFramework, Criterion
    from assessments.services import framework_active

    try:
        framework = framework_active()
    except CompetencyFramework.DoesNotExist:
        return []
    return list(Criterion.objects.filter(framework=framework).order_by("order", "code"))


def briefing_file(*, pk, user):
    """One briefing file the user may download (``access.briefing_files_visible_to``), with its
    session, application, candidate and mandate; 404 otherwise."""
    return access.get_visible_or_404(
        access.briefing_files_visible_to(user).select_related(
            "session__application__candidate", "session__application__mandate"
        ),
        pk=pk,
    )


def targeted_criterion_codes(*, application, session_number) -> set:
    """Codes of the criteria targeted by the plan of the application's non-cancelled session number
    ``session_number`` (1–4); empty when there is none. One query."""
    from assessments.models import Criterion

    sessions = (
        WorkingSession.objects.filter(application=application, order=session_number)
        .exclude(status=WorkingSession.Status.CANCELLED)
        .values("pk")
    )
    return set(Criterion.objects.filter(targeting_sessions__in=sessions).values_list("code", flat=True))


def planned_sessions(application_ids) -> dict:
    """``{application id: [coverage.PlannedSession]}`` over every session of the applications (every
    status; the coverage rules drop what does not count). Two queries."""
    ids = list(application_ids)
    result = {application_id: [] for application_id in ids}
    sessions = (
        WorkingSession.objects.filter(application_id__in=ids)
        .only("pk", "application_id", "order", "status", "target_roles")
        .prefetch_related("target_criteria")
        .order_by("application_id", "order", "pk")
    )
    for session in sessions:
        result[session.application_id].append(
            coverage_rules.PlannedSession(
                order=session.order,
                status=session.status,
                roles=frozenset(session.target_roles or []),
                criteria=frozenset(c.code for c in session.target_criteria.all()),
            )
        )
    return result


def _active_catalogue():
    from assessments.selectors import criteria_catalogue

    return [coverage_rules.CriterionRef(code=c.code, group=c.group) for c in criteria_catalogue()]


def coverage_for(*, application, summary=None) -> coverage_rules.Coverage:
    """The :func:`sessions.coverage.coverage` of ``application``.

    ``summary``: the viewer's ``figures.selectors.AssessmentSummary`` (the stored figures: counted
    scorecards, each criterion's evidence contexts) or its ``to_dict()``; the criteria catalogue and
    the evidence come from it. ``None`` (no figures, or the independence rule hides them from the
    viewer): evidence is unknown and the catalogue is the active framework's. The caller reads the
    figures (``figures.selectors``, a higher layer). Queries: two for the plans, plus one for the
    catalogue without a summary.
    """
    plans = planned_sessions([application.pk])[application.pk]
    if summary is None:
        return coverage_rules.coverage(plans, _active_catalogue(), None)
    if isinstance(summary, dict):
        pairs = [(c["code"], c["group"], c["contexts"]) for c in summary["criteria"]]
    else:
        pairs = [(c.code, c.group, c.contexts) for c in summary.assessment.criteria]
    catalogue = [coverage_rules.CriterionRef(code=code, group=group) for code, group, _c in pairs]
    evidence = coverage_rules.evidence_from_contexts((code, contexts) for code, _g, contexts in pairs)
    return coverage_rules.coverage(plans, catalogue, evidence)


def coverage_display_for(*, application, summary) -> dict:
    """:func:`sessions.i18n.coverage_view` of the application's coverage, evidence and catalogue
    from ``summary`` (a ``figures.selectors.AssessmentSummary`` the viewer may read, or ``None``:
    evidence unknown, the active framework's catalogue). Adds ``"data"``, the ``Coverage.to_dict()``.
    Three or four queries."""
    from . import i18n

    result = coverage_for(application=application, summary=summary)
    if summary is not None:
        labels = {c.code: c.label for c in summary.assessment.criteria}
    else:
        labels = {c.code: c.label for c in plan_criteria()}
    data = result.to_dict()
    view = i18n.coverage_view(data, labels)
    view["data"] = data
    return view


def application_plan(*, application) -> dict:
    """What the plans of the application's non-cancelled sessions target and hold, for the notice
    to the candidate (issue 10 item 3), generated from the plan:

    ``{"roles": [role codes targeted by a session, in framework order], "criteria": [Criterion
    targeted by a session, in display order], "company_data": bool (a session's pack holds
    company data), "pack_sha256": str, "files": int}`` where ``pack_sha256`` is
    ``services.briefing_pack_checksum`` over every file of those sessions' packs (``""`` when
    there is none) and ``files`` their number. Three queries."""
    from assessments.models import Criterion, RoleGroup

    from .services import briefing_pack_checksum

    sessions = list(
        WorkingSession.objects.filter(application=application)
        .exclude(status=WorkingSession.Status.CANCELLED)
        .only("pk", "target_roles", "briefing_has_company_data")
    )
    ids = [s.pk for s in sessions]
    targeted = {code for s in sessions for code in (s.target_roles or [])}
    checksums = list(BriefingFile.objects.filter(session_id__in=ids).values_list("sha256", flat=True))
    return {
        "roles": [g.value for g in RoleGroup if g.value in targeted],
        "criteria": list(
            Criterion.objects.filter(targeting_sessions__in=ids).distinct().order_by("order", "code")
        ),
        "company_data": any(s.briefing_has_company_data for s in sessions),
        "pack_sha256": briefing_pack_checksum(checksums),
        "files": len(checksums),
    }
