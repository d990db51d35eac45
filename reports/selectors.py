"""Reads for reports and the CEO dashboard, access-filtered (``cso_recruit.access``) with the
independence rule built in.

* Reports are visible through their application: pipeline members of the mandate (CEO, recruiters)
  and staff. Mediators and everyone else get 404.
* Independence: a user with an unsubmitted scorecard for an application cannot read its reports
  (``can_read_reports``) and sees no score for it on the dashboard (row ``hidden``).
* The dashboard reads the stored figures (``figures``): sorted, filtered and paginated in SQL, in a
  fixed number of queries whatever the number of candidates.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import selectors as assessment_selectors
from assessments.models import RoleGroup
from assessments.summary import AssessmentFigures
from candidates.models import Application, SupportDomain
from cso_recruit import access
from figures import selectors as figures_selectors
from figures.models import ApplicationFigures
from figures.reading import Reading, Reliability

from .models import Report, Shortlist

ROLE_CODES = ("conductor", "business_partner", "entrepreneur")

# ---------------------------------------------------------------------------------- reports


def reports_visible_to(user):
    """Reports of the applications whose record ``user`` may read (CEO, recruiters, staff)."""
    return Report.objects.filter(application__in=access.applications_visible_to(user).values("pk"))


def report_detail(*, pk, user):
    """One report ``user`` may see, with application, candidate and mandate; 404 otherwise."""
    qs = reports_visible_to(user).select_related(
        "application__candidate", "application__mandate__company", "requested_by"
    )
    return access.get_visible_or_404(qs, pk=pk)


def application_reports(*, application):
    """The application's report versions, newest first (snapshot not loaded)."""
    return list(
        Report.objects.filter(application=application)
        .select_related("requested_by")
        .defer("snapshot")
        .order_by("-version")
    )


def can_read_reports(user, application) -> bool:
    """Independence rule: ``False`` while ``user`` has an unsubmitted scorecard for ``application``."""
    return not assessment_selectors.has_open_draft(user, application)


def reports_withholding_statistics(user, reports, *, mandate_id) -> set:
    """Ids among ``reports`` that ``user`` may not download because they carry the mandate's agreement
    statistics (α, rater flags) while ``user`` has an open scorecard somewhere in the mandate — the
    rule of the pages (DESIGN.md §3). A version requested by someone with an open scorecard left the
    statistics out and stays readable. Two queries at most."""
    ids = [r.pk for r in reports]
    if not ids or not assessment_selectors.open_draft_applications(user, mandate_id=mandate_id):
        return set()
    without = Report.objects.filter(pk__in=ids, snapshot__summary__mandate_statistics__visible=False)
    return set(ids) - set(without.values_list("pk", flat=True))


# ---------------------------------------------------------------------------------- dashboard


def latest_reports(application_ids) -> dict:
    """``{application id: its highest report version}`` (snapshot not loaded). One query."""
    latest = {}
    for report in (
        Report.objects.filter(application_id__in=list(application_ids))
        .defer("snapshot")
        .order_by("application_id", "-version")
    ):
        latest.setdefault(report.application_id, report)
    return latest


@dataclass
class DashboardRow:
    """One candidate on the CEO dashboard: the stored figures (``figures.models.ApplicationFigures``)
    as the viewer may read them. Scores are on 1–5 (``None``: no evidence, or hidden)."""

    application: Application
    hidden: bool
    figures: ApplicationFigures
    compatibility: dict
    reading: Reading
    reliability: Reliability
    last_report: Report | None = None
    flags: list = field(default_factory=list)

    @property
    def candidate(self):
        return self.application.candidate

    @property
    def scorecards(self) -> int:
        return 0 if self.hidden else self.figures.submitted_scorecards

    @property
    def fit(self):
        return None if not self.scorecards else self.figures.fit

    @property
    def gate_passed(self):
        return None if not self.scorecards else self.figures.gate_passed

    @property
    def missing_roles(self) -> list:
        return list(self.figures.missing_roles) if self.scorecards else []

    @property
    def roles(self) -> dict:
        """``{code: {"score": 1–5 or None}}`` for the three roles and posture (empty when hidden
        or without scorecards)."""
        if not self.scorecards:
            return {}
        return {
            code: {"score": getattr(self.figures, code)} for code in (*ROLE_CODES, RoleGroup.POSTURE.value)
        }

    @property
    def role_scores(self):
        """``[(code, score)]`` for the three roles then posture, in display order."""
        roles = self.roles
        return [
            (code, (roles.get(code) or {}).get("score")) for code in (*ROLE_CODES, RoleGroup.POSTURE.value)
        ]

    @property
    def role_rows(self):
        """``[(code, label, score)]``: :attr:`role_scores` with each group's translated label (the
        dashboard's cards and the comparison's cards)."""
        return [(code, RoleGroup(code).label, score) for code, score in self.role_scores]

    @property
    def criteria(self) -> list:
        """The criteria dicts (``assessments.summary.CriterionFigures.to_dict``), empty when hidden
        or without scorecards."""
        if not self.scorecards:
            return []
        return AssessmentFigures.from_dict(self.figures.assessment).to_dict()["criteria"]

    @property
    def failing_criteria(self) -> list:
        """Codes of the criteria under 2.0 (the gate's floor), empty when hidden."""
        return list(self.figures.assessment["gate"]["failing_criteria"]) if self.scorecards else []

    @property
    def red(self) -> int:
        return self.figures.red_count if self.scorecards else 0

    @property
    def amber(self) -> int:
        return self.figures.amber_count if self.scorecards else 0

    @property
    def balance(self) -> dict:
        return self.figures.balance

    @property
    def band(self):
        return self.figures.band or None

    @property
    def verdict(self):
        return self.compatibility.get("verdict")


def _flags(row: DashboardRow, role_labels: dict) -> list[tuple[str, str]]:
    """``[(level, text)]`` shown on the row: level "bad", "warn" or "info"."""
    flags = []
    if row.scorecards and not row.gate_passed:
        names = ", ".join(str(role_labels[c]) for c in row.missing_roles)
        flags.append(("bad", _("gate failed: %(roles)s") % {"roles": names} if names else _("gate failed")))
        failing = row.failing_criteria
        if failing:
            flags.append(
                (
                    "bad",
                    ngettext("%(n)d criterion below 2.0", "%(n)d criteria below 2.0", len(failing))
                    % {"n": len(failing)},
                )
            )
    if row.scorecards and row.reliability.unreliable:
        flags.append(("bad", _("panel agreement unreliable")))  # the line above the table says why
    if row.red:
        flags.append(("bad", _("%(n)d to re-observe") % {"n": row.red}))
    if row.amber:
        flags.append(("warn", _("%(n)d to discuss") % {"n": row.amber}))
    if row.band == "concentrated":
        dominant = row.figures.dominant_domain
        flags.append(
            (
                "bad",
                _("concentrated: %(domain)s") % {"domain": SupportDomain(dominant).label}
                if dominant
                else _("concentrated"),
            )
        )
    elif row.band == "narrow":
        flags.append(
            (
                "warn",
                _("narrow: experience in %(k)d of %(n)d domains")
                % {"k": row.balance.get("breadth", 0), "n": len(row.balance.get("domains", []))},
            )
        )
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


@dataclass
class DashboardPage:
    """One page of the dashboard: ``rows`` (:class:`DashboardRow`), the Django ``page``
    (``paginator.count`` is the number of candidates matching), the ``viewer`` and the mandate's
    ``statistics`` as the viewer may read them."""

    rows: list
    page: object
    viewer: figures_selectors.Viewer
    statistics: figures_selectors.StatisticsView


#: Dashboard rows per page.
DASHBOARD_PAGE_SIZE = 50
SORTS = figures_selectors.SORTS
DEFAULT_SORT = figures_selectors.DEFAULT_SORT


def dashboard_page(
    *,
    mandate,
    user,
    sort=DEFAULT_SORT,
    stage=None,
    gate=None,
    page=1,
    per_page=DASHBOARD_PAGE_SIZE,
    application_ids=None,
) -> DashboardPage:
    """The CEO dashboard of ``mandate`` for ``user``, read from the stored figures: sorted, filtered
    and paginated in SQL.

    Args:
        mandate: a mandate whose pipeline ``user`` may read (the caller checked it).
        sort: one of ``SORTS`` (default ``-fit``; unknown values fall back to it). Rows without a
            value (hidden, no evidence) come last, in name order; ties keep name order.
        stage: keep only this stage code (``None``: every stage).
        gate: "passed" or "failed" keeps the candidates whose gate passed/failed (hidden rows and
            rows without scorecards are dropped by either); ``None`` keeps all.
        page: 1-based page (out of range → the last page); per_page: rows per page (50).
        application_ids: restrict to these applications (comparison page).

    Returns a :class:`DashboardPage`. Independence rule: a row the viewer has an open draft for is
    ``hidden`` and carries no score (balance stays: it comes from the candidate's file); the
    reliability flag needs the mandate's statistics, hidden while the viewer has an open draft in
    the mandate. Queries: constant in the number of candidates (about ten).
    """
    viewer = figures_selectors.viewer_for(user, mandate)
    applications = access.applications_visible_to(user).filter(mandate=mandate)
    if application_ids is not None:
        applications = applications.filter(pk__in=list(application_ids))
    figures_selectors.ensure_current(applications)
    if stage:
        applications = applications.filter(stage=stage)
    if gate in ("passed", "failed"):
        applications = applications.filter(figures__gate_passed=(gate == "passed")).exclude(
            pk__in=list(viewer.drafts)
        )
    # Sort and count over ids only (narrow rows), then load the page's rows with their figures.
    ordered = applications.order_by(*figures_selectors.order_by_figures(sort, viewer)).values_list(
        "pk", flat=True
    )
    current = Paginator(ordered, per_page).get_page(page)
    ids = list(current.object_list)
    loaded = {a.pk: a for a in Application.objects.filter(pk__in=ids).select_related("candidate", "figures")}
    page_applications = [loaded[pk] for pk in ids]
    statistics = figures_selectors.mandate_statistics(mandate_id=mandate.pk, viewer=viewer)
    reports = latest_reports([a.pk for a in page_applications])
    role_labels = {g.value: g.label for g in RoleGroup}
    rows = []
    for application in page_applications:
        application.mandate = mandate
        stored = application.figures
        hidden = viewer.hides(application.pk)
        summary = figures_selectors.compose(
            stored, application=application, viewer=viewer, statistics=statistics
        )
        compatibility = summary.compatibility
        if hidden:
            compatibility = {
                k: v
                for k, v in compatibility.items()
                if k in ("held_sessions", "sealed_sessions", "min_sessions_for_verdict")
            }
        row = DashboardRow(
            application=application,
            hidden=hidden,
            figures=stored,
            compatibility=compatibility,
            reading=summary.reading,
            reliability=summary.reliability,
            last_report=reports.get(application.pk),
        )
        row.flags = _flags(row, role_labels)
        rows.append(row)
    return DashboardPage(rows=rows, page=current, viewer=viewer, statistics=statistics)


def dashboard_rows(*, mandate, user, sort=DEFAULT_SORT, stage=None, gate=None, application_ids=None) -> list:
    """Every matching row of the dashboard, unpaginated (comparison page, tests): the rows of
    :func:`dashboard_page` over all pages. Use :func:`dashboard_page` for the dashboard itself."""
    return dashboard_page(
        mandate=mandate,
        user=user,
        sort=sort,
        stage=stage,
        gate=gate,
        page=1,
        per_page=10**9,
        application_ids=application_ids,
    ).rows


def row_flags(row: DashboardRow, role_labels: dict) -> list[tuple[str, str]]:
    """The flags of one dashboard row, ``[(level "bad" | "warn" | "info", text)]`` — the comparison
    page's and the shortlist PDF's."""
    return _flags(row, role_labels)


# ---------------------------------------------------------------------------------- shortlists


def shortlists_visible_to(user):
    """Shortlists ``user`` may see: those of a mandate whose pipeline they read (CEO, recruiters,
    staff; mediators and everyone else: none)."""
    return Shortlist.objects.filter(mandate__in=access.pipeline_mandates(user).values("pk"))


def shortlist_detail(*, pk, user):
    """One shortlist ``user`` may see, with mandate and requester; 404 otherwise."""
    qs = shortlists_visible_to(user).select_related("mandate__company", "mandate__ceo", "requested_by")
    return access.get_visible_or_404(qs, pk=pk)


def mandate_shortlists(*, mandate) -> list:
    """The mandate's shortlist versions, newest first (snapshot not loaded)."""
    return list(
        Shortlist.objects.filter(mandate=mandate)
        .select_related("requested_by")
        .defer("snapshot")
        .order_by("-version")
    )


def can_read_shortlist(user, shortlist) -> bool:
    """The report's independence rule for every finalist: ``False`` while ``user`` has an
    unsubmitted scorecard for any of them."""
    finalist_ids = list(shortlist.finalists.values_list("pk", flat=True))
    return not assessment_selectors.open_draft_applications(user, application_ids=finalist_ids)


def shortlist_withholds_statistics(user, shortlist) -> bool:
    """``True`` when ``shortlist`` carries the mandate's agreement statistics while ``user`` has an
    open scorecard somewhere in the mandate (the rule of :func:`reports_withholding_statistics`)."""
    if not assessment_selectors.open_draft_applications(user, mandate_id=shortlist.mandate_id):
        return False
    return Shortlist.objects.filter(pk=shortlist.pk).exclude(snapshot__statistics__visible=False).exists()
