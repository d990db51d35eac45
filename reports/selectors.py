"""Reads for reports and the CEO dashboard, access-filtered (``cso_recruit.access``) with the
independence rule built in.

* Reports are visible through their application: pipeline members of the mandate (CEO, recruiters)
  and staff. Mediators and everyone else get 404.
* Independence: a user with an unsubmitted scorecard for an application cannot read its reports
  (``can_read_reports``) and sees no score for it on the dashboard (row ``hidden``).
* The dashboard is computed in a fixed number of queries whatever the number of candidates
  (scorecards, criteria, sessions, observations, debriefs and latest reports are each read once).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Max, Prefetch
from django.utils.translation import gettext as _

from assessments import selectors as assessment_selectors
from assessments.models import RoleGroup
from candidates.models import Application, Stage, SupportDomain
from cso_recruit import access
from sessions import compatibility
from sessions.models import WorkingSession
from sessions.selectors import counted_observations, session_input

from .models import Report

ROLE_CODES = ("conductor", "business_partner", "entrepreneur")
STAGE_ORDER = {code: index for index, code in enumerate(Stage.values)}

# ---------------------------------------------------------------------------------- reports


def reports_visible_to(user):
    """Reports of the applications whose record ``user`` may read (CEO, recruiters, staff)."""
    return Report.objects.filter(application__in=access.applications_visible_to(user).values("pk"))


def report_detail(*, pk, user):
    """One report ``user`` may see, with application, candidate and mandate; 404 otherwise."""
    qs = reports_visible_to(user).select_related("application__candidate", "application__mandate__company",
                                                 "requested_by")
    return access.get_visible_or_404(qs, pk=pk)


def application_reports(*, application):
    """The application's report versions, newest first (snapshot not loaded)."""
    return list(Report.objects.filter(application=application).select_related("requested_by")
                .defer("snapshot").order_by("-version"))


def can_read_reports(user, application) -> bool:
    """Independence rule: ``False`` while ``user`` has an unsubmitted scorecard for ``application``."""
    return not assessment_selectors.has_open_draft(user, application)


# ---------------------------------------------------------------------------------- dashboard


def _observation_counts_for(user, observation, session, managed, ceo_debriefed):
    """Batch form of ``access.observation_visible`` for a submitted observation (same rule: its
    mediator, staff and the mandate's recruiters see it; the CEO once they gave their own debrief)."""
    if observation.mediator_id == user.pk or managed:
        return True
    return session.application.mandate.ceo_id == user.pk and ceo_debriefed


def compatibility_by_application(*, applications, user, mandate) -> dict:
    """``{application_id: sessions.compatibility summary dict}`` for applications of ``mandate``
    as ``user`` may read them: sealed observations count as not observed and are counted in
    ``sealed_sessions`` (as ``sessions.selectors.compatibility_for`` does). Four queries."""
    ids = [a.pk for a in applications]
    sessions = (WorkingSession.objects.filter(application_id__in=ids)
                .exclude(status=WorkingSession.Status.CANCELLED)
                .prefetch_related(
                    Prefetch("observations", to_attr="submitted_obs",
                             queryset=counted_observations().prefetch_related("ipa_tallies")),
                    "debriefs")
                .order_by("application_id", "order", "pk"))
    managed = user.is_staff or access.can_manage_mandate(user, mandate)
    by_pk = {a.pk: a for a in applications}
    by_application = defaultdict(list)
    sealed = defaultdict(int)
    for session in sessions:
        session.application = by_pk[session.application_id]
        observation = session.submitted_obs[0] if session.submitted_obs else None
        debriefs = {d.party: d.ratings for d in session.debriefs.all()}
        if observation is not None and not _observation_counts_for(user, observation, session, managed,
                                                                    "ceo" in debriefs):
            observation = None
            sealed[session.application_id] += 1
        by_application[session.application_id].append(session_input(session, observation, debriefs))
    result = {}
    for application in applications:
        result[application.pk] = compatibility.compatibility_summary(by_application.get(application.pk, [])).to_dict()
        result[application.pk]["sealed_sessions"] = sealed[application.pk]
    return result


@dataclass
class DashboardRow:
    """One candidate on the CEO dashboard. Scores are on 1–5 (``None``: no evidence, or hidden)."""

    application: Application
    hidden: bool
    scorecards: int = 0
    roles: dict = field(default_factory=dict)
    fit: float | None = None
    gate_passed: bool | None = None
    missing_roles: list = field(default_factory=list)
    criteria: list = field(default_factory=list)
    red: int = 0
    amber: int = 0
    balance: dict = field(default_factory=dict)
    compatibility: dict = field(default_factory=dict)
    last_report: Report | None = None
    flags: list = field(default_factory=list)

    @property
    def candidate(self):
        return self.application.candidate

    @property
    def band(self):
        return self.balance.get("band")

    @property
    def verdict(self):
        return self.compatibility.get("verdict")

    @property
    def role_scores(self):
        """``[(code, score)]`` for the three roles then posture, in display order."""
        return [(code, (self.roles.get(code) or {}).get("score"))
                for code in (*ROLE_CODES, RoleGroup.POSTURE.value)]


def _flags(row, role_labels):
    """``[(level, text)]`` shown on the row: level "bad", "warn" or "info"."""
    flags = []
    if not row.hidden and row.scorecards and not row.gate_passed:
        names = ", ".join(role_labels[c] for c in row.missing_roles)
        flags.append(("bad", _("gate failed: %(roles)s") % {"roles": names} if names else _("gate failed")))
    if not row.hidden and row.red:
        flags.append(("bad", _("%(n)d to re-observe") % {"n": row.red}))
    if not row.hidden and row.amber:
        flags.append(("warn", _("%(n)d to discuss") % {"n": row.amber}))
    if row.band == "concentrated":
        dominant = row.balance.get("dominant_domain")
        flags.append(("bad", _("concentrated: %(domain)s") % {"domain": SupportDomain(dominant).label}
                      if dominant else _("concentrated")))
    if row.balance and not row.balance.get("breadth_ok", True):
        flags.append(("warn", _("breadth below the floor")))
    if row.balance and not row.balance.get("depth_ok", True):
        flags.append(("warn", _("depth below the floor")))
    if row.verdict == "not_compatible":
        flags.append(("bad", _("not compatible")))
    sealed = row.compatibility.get("sealed_sessions")
    if sealed:
        flags.append(("info", _("%(n)d observation(s) sealed") % {"n": sealed}))
    return flags


SORT_KEYS = {
    "name": lambda r: (r.candidate.last_name.lower(), r.candidate.first_name.lower()),
    "stage": lambda r: STAGE_ORDER.get(r.application.stage, 99),
    "fit": lambda r: r.fit,
    "conductor": lambda r: (r.roles.get("conductor") or {}).get("score"),
    "business_partner": lambda r: (r.roles.get("business_partner") or {}).get("score"),
    "entrepreneur": lambda r: (r.roles.get("entrepreneur") or {}).get("score"),
    "posture": lambda r: (r.roles.get("posture") or {}).get("score"),
    "balance": lambda r: r.balance.get("hhi_star"),
    "compatibility": lambda r: r.compatibility.get("index"),
}
#: Allowed values of ``?sort=`` (a leading "-" sorts descending).
SORTS = tuple(SORT_KEYS) + tuple(f"-{key}" for key in SORT_KEYS)
DEFAULT_SORT = "-fit"


def sort_rows(rows, sort=DEFAULT_SORT):
    """Sort dashboard rows by ``sort`` (one of ``SORTS``). Rows without a value (hidden, no
    evidence) always come last, in name order; ties keep name order."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    descending = sort.startswith("-")
    key = SORT_KEYS[sort.lstrip("-")]
    by_name = sorted(rows, key=SORT_KEYS["name"])
    with_value = [r for r in by_name if key(r) is not None and not (r.hidden and _is_score_sort(sort))]
    without = [r for r in by_name if r not in with_value]
    return sorted(with_value, key=key, reverse=descending) + without


def _is_score_sort(sort):
    return sort.lstrip("-") not in ("name", "stage", "balance")


def dashboard_rows(*, mandate, user, sort=DEFAULT_SORT, stage=None, gate=None, application_ids=None):
    """The CEO dashboard of ``mandate`` for ``user``: one ``DashboardRow`` per visible application.

    Args:
        mandate: a mandate whose pipeline ``user`` may read (the caller checked it).
        sort: one of ``SORTS`` (default ``-fit``); unknown values fall back to the default.
        stage: keep only this stage code (``None``: every stage).
        gate: "passed" or "failed" keeps the candidates whose gate passed/failed (hidden rows and
            rows without scorecards are dropped by either); ``None`` keeps all.
        application_ids: restrict to these applications (comparison page).

    Returns the sorted rows. Independence rule: a row the viewer has an open draft for is
    ``hidden`` and carries no score (balance stays: it comes from the candidate's file).
    Queries: constant in the number of candidates (about a dozen).
    """
    applications = access.applications_visible_to(user).filter(mandate=mandate).select_related("candidate")
    if application_ids is not None:
        applications = applications.filter(pk__in=application_ids)
    applications = list(applications)
    for application in applications:
        application.mandate = mandate
    if not applications:
        return []
    hidden = assessment_selectors.applications_with_open_draft(user, applications)
    cards = assessment_selectors.submitted_scorecards(Application.objects.filter(pk__in=[a.pk for a in applications]))
    by_application = defaultdict(list)
    for card in cards:
        by_application[card.application_id].append(card)
    active = assessment_selectors._active_catalogue() if by_application else {}
    compat = compatibility_by_application(applications=applications, user=user, mandate=mandate)
    latest = dict(Report.objects.filter(application__in=applications).values("application_id")
                  .annotate(top=Max("version")).values_list("application_id", "top"))
    reports = {r.application_id: r for r in Report.objects.filter(application__in=applications).defer("snapshot")
               if latest.get(r.application_id) == r.version}
    role_labels = {g.value: str(g.label) for g in RoleGroup}
    rows = []
    for application in applications:
        summary = assessment_selectors.compute_summary(
            application=application, scorecards=by_application.get(application.pk, []), mandate_scorecards=[],
            active_criteria=active)
        row = DashboardRow(application=application, hidden=application.pk in hidden, balance=summary["balance"],
                           compatibility=compat[application.pk], last_report=reports.get(application.pk))
        if not row.hidden:
            row.scorecards = summary["submitted_scorecards"]
            if row.scorecards:
                row.roles = summary["roles"]
                row.fit = summary["fit"]
                row.gate_passed = summary["gate"]["passed"]
                row.missing_roles = summary["gate"]["missing_roles"]
                row.criteria = summary["criteria"]
                row.red = sum(c["level"] == "red" for c in summary["criteria"])
                row.amber = sum(c["level"] == "amber" for c in summary["criteria"])
        else:
            row.compatibility = {k: v for k, v in row.compatibility.items()
                                 if k in ("held_sessions", "sealed_sessions", "min_sessions_for_verdict")}
        row.flags = _flags(row, role_labels)
        rows.append(row)
    if stage:
        rows = [r for r in rows if r.application.stage == stage]
    if gate in ("passed", "failed"):
        rows = [r for r in rows if not r.hidden and r.scorecards and r.gate_passed == (gate == "passed")]
    return sort_rows(rows, sort)
