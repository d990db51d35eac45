"""Report pages (request, status, download, versions, retry) and the CEO dashboard / comparison.

Thin views: access through ``cso_recruit.access`` (out of scope → 404), reads through
``reports.selectors``, writes through ``reports.services``. The web request never renders a PDF:
requesting only freezes the snapshot and enqueues the task on commit.

Independence rule (a user with an unsubmitted scorecard for the application): requesting or
retrying a report is refused with a message, the versions page says why nothing can be read, and
the download answers 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.models import RoleGroup
from assessments.scoring import ROLE_GATE
from audit import services as audit_services
from audit.models import ReadEvent
from candidates.models import Stage
from cso_recruit import access

from . import charts, selectors, services, verification
from .kinds import report_filename, shortlist_filename

#: Seconds between two reloads of a pending report's page when JavaScript is off.
STATUS_REFRESH = 3
#: Milliseconds between two updates of a pending report's status card with JavaScript.
LIVE_INTERVAL_MS = 1000
#: How many candidates the comparison page takes.
COMPARE_MIN, COMPARE_MAX = 2, 4


def _application(user, pk):
    qs = access.applications_visible_to(user).select_related("candidate", "mandate__company", "mandate__ceo")
    return access.get_visible_or_404(qs, pk=pk)


def _language():
    code = (get_language() or "fr")[:2]
    return code if code in ("fr", "en") else "fr"


@login_required
def report_list(request, pk):
    """GET: the report versions of one application (pipeline members; 404 otherwise)."""
    application = _application(request.user, pk)
    reports = selectors.application_reports(application=application)
    return render(
        request,
        "reports/report_list.html",
        {
            "application": application,
            "reports": reports,
            "can_read": selectors.can_read_reports(request.user, application),
            "withheld": selectors.reports_withholding_statistics(
                request.user, reports, mandate_id=application.mandate_id
            ),
        },
    )


@login_required
@require_POST
def report_request(request, pk):
    """POST: freeze a new version and enqueue its rendering on commit; redirect to its status page.
    Refused with a message under the independence rule."""
    application = _application(request.user, pk)
    try:
        report = services.report_request(application=application, by=request.user, language=_language())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reports:list", pk=application.pk)
    _warn_empty_swot(request, application)
    if report.already_pending:
        messages.info(
            request, _("Version %(v)d is already being prepared: here it is.") % {"v": report.version}
        )
        return redirect(report)
    report.refresh_from_db(fields=["status"])
    if report.status == report.Status.READY:  # rendered already (embedded default: eager tasks)
        messages.success(request, _("Report version %(v)d is ready.") % {"v": report.version})
    else:
        messages.success(request, _("Report version %(v)d requested.") % {"v": report.version})
    return redirect(report)


def _warn_empty_swot(request, application):
    """A warning, not a refusal: the report's SWOT shows no opportunity or threat when the
    recruiters have written none (they do so on the decision page)."""
    opportunities = bool((application.swot_opportunities or "").strip())
    threats = bool((application.swot_threats or "").strip())
    if opportunities and threats:
        return
    if not opportunities and not threats:
        text = _("The SWOT has no opportunities and no threats yet: the report shows none.")
    elif not opportunities:
        text = _("The SWOT has no opportunities yet: the report shows none.")
    else:
        text = _("The SWOT has no threats yet: the report shows none.")
    messages.warning(request, text + " " + _("Recruiters write them on the decision page."))


def _status_context(request, report):
    live = report.is_pending and not report.is_stale
    return {
        "report": report,
        "status_url": reverse("reports:status", args=[report.pk]),
        "download_url": reverse("reports:download", args=[report.pk]),
        "retry_url": reverse("reports:retry", args=[report.pk]),
        "application": report.application,
        "live": live,
        "refresh": STATUS_REFRESH if live else None,
        "interval_ms": LIVE_INTERVAL_MS,
        "can_read": selectors.can_read_reports(request.user, report.application),
        "withheld": bool(
            selectors.reports_withholding_statistics(
                request.user, [report], mandate_id=report.application.mandate_id
            )
        ),
    }


@login_required
def report_status(request, pk):
    """GET: one version's status; while queued or rendering, the status card is updated in place
    every second (``static/js/live.js`` asks :func:`report_status_fragment`), or, without
    JavaScript, the page reloads itself every 3 s (``<noscript>`` meta refresh); download link when
    ready, error and retry button when failed."""
    report = selectors.report_detail(pk=pk, user=request.user)
    context = _status_context(request, report)
    response = render(request, "reports/report_status.html", context)
    if context["live"]:
        response["Cache-Control"] = "no-store"
    return response


@login_required
def report_status_fragment(request, pk):
    """GET: the status card of :func:`report_status` alone (what ``live.js`` polls), never cached."""
    report = selectors.report_detail(pk=pk, user=request.user)
    response = render(request, "reports/_status_card.html", _status_context(request, report))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def report_download(request, pk):
    """GET: the ready PDF as an attachment (``rapport-compatibilite-<name>-v<n>.pdf``), never cached;
    404 when out of scope, not ready, the file is missing, or under the independence rule."""
    report = selectors.report_detail(pk=pk, user=request.user)
    if (
        not report.is_ready
        or not report.pdf
        or not selectors.can_read_reports(request.user, report.application)
        or selectors.reports_withholding_statistics(
            request.user, [report], mandate_id=report.application.mandate_id
        )
    ):
        raise Http404
    try:
        handle = report.pdf.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit_services.read_record(
        request,
        kind=ReadEvent.Kind.REPORT_PDF,
        object_id=report.pk,
        label=_("Report v%(version)d of %(name)s")
        % {"version": report.version, "name": report.application.candidate.full_name},
        candidate=report.application.candidate,
        mandates=[report.application.mandate_id],
    )
    response = FileResponse(
        handle, as_attachment=True, filename=report_filename(report), content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def report_retry(request, pk):
    """POST: queue a failed (or stuck) version again; redirect to its status page."""
    report = selectors.report_detail(pk=pk, user=request.user)
    try:
        services.report_retry(report=report, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, _("The report is queued again."))
    return redirect(report)


# ---------------------------------------------------------------------------------- dashboard


def _role_labels():
    return {g.value: g.label for g in RoleGroup}


#: How many candidates the dashboard's dot plot shows (the first ones of the list's order).
DOT_PLOT_MAX = COMPARE_MAX


def _dot_plot(rows, *, chart_id):
    """The role dot plot (``charts.role_dot_plot``) of ``rows`` (``selectors.DashboardRow``): the
    rows with submitted scorecards visible to the viewer, at most :data:`DOT_PLOT_MAX`, their
    ``role_scores`` — the table's figures. Returns ``(svg or "", the rows drawn)``."""
    drawn = [row for row in rows if row.scorecards][:DOT_PLOT_MAX]
    if not drawn:
        return "", []
    labels = _role_labels()
    svg = charts.role_dot_plot(
        [(row.candidate.full_name, dict(row.role_scores)) for row in drawn],
        [(code, str(labels[code])) for code in (*selectors.ROLE_CODES, RoleGroup.POSTURE.value)],
        gate=ROLE_GATE,
        title=_("Role scores of the candidates (1 to 5) against the %(gate)s gate")
        % {"gate": number_format(ROLE_GATE, 1)},
        axis_title=_("Score (1 to 5)"),
        gate_label=_("gate %(gate)s") % {"gate": number_format(ROLE_GATE, 1)},
        no_evidence=_("no evidence"),
        chart_id=chart_id,
    )
    return svg, drawn


@login_required
def dashboard(request, slug):
    """GET: the CEO dashboard of a mandate (pipeline members), from the stored figures, 50 rows a
    page. ``?sort=`` one of ``selectors.SORTS`` (default ``-fit``), ``?stage=`` a stage code,
    ``?gate=passed|failed``, ``?page=``."""
    mandate = access.get_visible_or_404(access.pipeline_mandates(request.user), slug=slug)
    sort = request.GET.get("sort") or selectors.DEFAULT_SORT
    sort = sort if sort in selectors.SORTS else selectors.DEFAULT_SORT
    stage = request.GET.get("stage") or ""
    stage = stage if stage in Stage.values else ""
    gate = request.GET.get("gate") or ""
    gate = gate if gate in ("passed", "failed") else ""
    result = selectors.dashboard_page(
        mandate=mandate,
        user=request.user,
        sort=sort,
        stage=stage or None,
        gate=gate or None,
        page=request.GET.get("page") or 1,
    )
    role_labels = _role_labels()
    dot_plot, dot_plot_rows = _dot_plot(result.rows, chart_id="dashboard-dot-plot")
    columns = [("name", _("Candidate")), ("stage", _("Stage"))]
    columns += [
        (code, role_labels[code]) for code in ("conductor", "business_partner", "entrepreneur", "posture")
    ]
    columns += [("fit", _("Fit")), ("balance", _("Balance")), ("compatibility", _("Compatibility"))]
    return render(
        request,
        "reports/dashboard.html",
        {
            "mandate": mandate,
            "rows": result.rows,
            "page": result.page,
            "statistics": result.statistics,
            "sort": sort,
            "stage": stage,
            "gate": gate,
            "stages": Stage.choices,
            "columns": columns,
            "role_labels": role_labels,
            "compare_min": COMPARE_MIN,
            "compare_max": COMPARE_MAX,
            "dot_plot": dot_plot,
            "dot_plot_rows": dot_plot_rows,
        },
    )


@login_required
def compare(request, slug):
    """GET ``?a=<application id>`` 2 to 4 times: candidates side by side with an overlaid criteria
    radar. Another count answers 400 with a message; an id outside the mandate or scope, 404."""
    mandate = access.get_visible_or_404(access.pipeline_mandates(request.user), slug=slug)
    raw = request.GET.getlist("a")
    try:
        ids = list(dict.fromkeys(int(value) for value in raw))
    except ValueError as exc:
        raise Http404 from exc
    if any(not 0 < pk < 2**63 for pk in ids):  # beyond any database id: not found, never a 500
        raise Http404
    context = {"mandate": mandate, "compare_min": COMPARE_MIN, "compare_max": COMPARE_MAX}
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        context["error"] = _(
            "Choose between %(min)d and %(max)d candidates to compare (you chose %(n)d)."
        ) % {"min": COMPARE_MIN, "max": COMPARE_MAX, "n": len(ids)}
        return render(request, "reports/compare.html", context, status=400)
    rows = selectors.dashboard_rows(mandate=mandate, user=request.user, sort="name", application_ids=ids)
    if len(rows) != len(ids):
        raise Http404  # an id outside this mandate or outside the user's scope
    rows = sorted(rows, key=lambda r: ids.index(r.application.pk))
    scored = [r for r in rows if r.criteria]
    criteria = scored[0].criteria if scored else []
    table = []
    for index, criterion in enumerate(criteria, start=1):
        scores = []
        for row in rows:
            match = next((c for c in row.criteria if c["code"] == criterion["code"]), None)
            scores.append(match["score"] if match else None)
        table.append(
            {"number": index, "label": criterion["label"], "group": criterion["group"], "scores": scores}
        )
    if scored:
        series = {}
        for row in scored:
            by_code = {c["code"]: c["score"] for c in row.criteria}
            series[row.candidate.full_name] = [by_code.get(c["code"]) for c in criteria]
        context["radar"] = charts.criteria_radar(
            series, [c.get("short_label") or c["label"] for c in criteria]
        )
    context["dot_plot"], context["dot_plot_rows"] = _dot_plot(rows, chart_id="compare-dot-plot")
    context.update(rows=rows, table=table, role_labels=_role_labels())
    return render(request, "reports/compare.html", context)


# ---------------------------------------------------------------------------------- verification


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Report PDF"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > VERIFY_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(n)d MB at most).") % {"n": VERIFY_MAX_BYTES // 1024 // 1024}
            )
        return upload


#: Largest PDF the verification page takes.
VERIFY_MAX_BYTES = 20 * 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """Staff only (404 for anyone else): upload a report PDF and see the checks of
    ``reports.verification.verify_pdf`` — the same as ``manage.py verify_report``."""
    if not request.user.is_staff:
        raise Http404
    form = VerifyForm(request.POST or None, request.FILES or None)
    checks = None
    if request.method == "POST" and form.is_valid():
        checks = verification.verify_pdf(form.cleaned_data["file"].read())
    return render(
        request,
        "reports/verify.html",
        {"form": form, "checks": checks, "passed": checks is not None and verification.passed(checks)},
    )


# ---------------------------------------------------------------------------------- shortlists


def _shortlist_urls(shortlist):
    return {
        "status_url": reverse("reports:shortlist_status", args=[shortlist.pk]),
        "status_fragment_url": reverse("reports:shortlist_status_fragment", args=[shortlist.pk]),
        "download_url": reverse("reports:shortlist_download", args=[shortlist.pk]),
        "retry_url": reverse("reports:shortlist_retry", args=[shortlist.pk]),
    }


def _shortlist_status_context(request, shortlist):
    live = shortlist.is_pending and not shortlist.is_stale
    return {
        "report": shortlist,  # the status card's name for the document it shows
        "shortlist": shortlist,
        "mandate": shortlist.mandate,
        "live": live,
        "refresh": STATUS_REFRESH if live else None,
        "interval_ms": LIVE_INTERVAL_MS,
        "can_read": selectors.can_read_shortlist(request.user, shortlist),
        "closed_message": _(
            "You have a scorecard in progress for one of these finalists: the shortlist stays closed to "
            "you until you submit it (independent rating)."
        ),
        "withheld": selectors.shortlist_withholds_statistics(request.user, shortlist),
        "finalist_names": [
            f["candidate"]["full_name"] for f in (shortlist.snapshot or {}).get("finalists", [])
        ],
        **_shortlist_urls(shortlist),
    }


@login_required
@require_POST
def shortlist_request(request, slug):
    """POST ``a=<application id>`` 2 to 4 times (the comparison page's candidates): freeze a new
    shortlist version of the mandate and enqueue its rendering; redirect to its status page. Out of
    the mandate or scope: 404; a wrong count or the independence rule: back to the comparison with
    the message."""
    mandate = access.get_visible_or_404(access.pipeline_mandates(request.user), slug=slug)
    try:
        ids = list(dict.fromkeys(int(value) for value in request.POST.getlist("a")))
    except ValueError as exc:
        raise Http404 from exc
    if any(not 0 < pk < 2**63 for pk in ids):
        raise Http404
    applications = list(access.applications_visible_to(request.user).filter(mandate=mandate, pk__in=ids))
    if len(applications) != len(ids):
        raise Http404  # an id outside this mandate or outside the user's scope
    applications.sort(key=lambda a: ids.index(a.pk))
    back = reverse("reports:compare", args=[mandate.slug]) + "?" + "&".join(f"a={pk}" for pk in ids)
    try:
        shortlist = services.shortlist_request(
            mandate=mandate, applications=applications, by=request.user, language=_language()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    if shortlist.already_pending:
        messages.info(
            request,
            _("Shortlist version %(v)d is already being prepared: here it is.") % {"v": shortlist.version},
        )
        return redirect(shortlist)
    shortlist.refresh_from_db(fields=["status"])
    if shortlist.status == shortlist.Status.READY:
        messages.success(request, _("Shortlist version %(v)d is ready.") % {"v": shortlist.version})
    else:
        messages.success(request, _("Shortlist version %(v)d requested.") % {"v": shortlist.version})
    return redirect(shortlist)


@login_required
@require_GET
def shortlist_list(request, slug):
    """GET: the shortlist versions of a mandate (pipeline members; 404 otherwise)."""
    mandate = access.get_visible_or_404(access.pipeline_mandates(request.user), slug=slug)
    return render(
        request,
        "reports/shortlist_list.html",
        {"mandate": mandate, "shortlists": selectors.mandate_shortlists(mandate=mandate)},
    )


@login_required
@require_GET
def shortlist_status(request, pk):
    """GET: one shortlist version's status, updated in place while pending (the report's status card
    and ``live.js``; a meta refresh without JavaScript); download when ready, retry when failed."""
    shortlist = selectors.shortlist_detail(pk=pk, user=request.user)
    context = _shortlist_status_context(request, shortlist)
    response = render(request, "reports/shortlist_status.html", context)
    if context["live"]:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def shortlist_status_fragment(request, pk):
    """GET: the status card of :func:`shortlist_status` alone (what ``live.js`` polls), never cached."""
    shortlist = selectors.shortlist_detail(pk=pk, user=request.user)
    response = render(request, "reports/_status_card.html", _shortlist_status_context(request, shortlist))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def shortlist_download(request, pk):
    """GET: the ready PDF as an attachment (``shortlist-<mandate>-v<n>.pdf``), never cached; 404 when
    out of scope, not ready, the file is missing, under the independence rule for a finalist, or
    when it carries statistics the user may not read yet. Each finalist's read is journaled."""
    shortlist = selectors.shortlist_detail(pk=pk, user=request.user)
    if (
        not shortlist.is_ready
        or not shortlist.pdf
        or not selectors.can_read_shortlist(request.user, shortlist)
        or selectors.shortlist_withholds_statistics(request.user, shortlist)
    ):
        raise Http404
    try:
        handle = shortlist.pdf.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    label = _("Shortlist v%(version)d of %(mandate)s") % {
        "version": shortlist.version,
        "mandate": shortlist.mandate.title,
    }
    for application in shortlist.finalists.select_related("candidate"):
        audit_services.read_record(
            request,
            kind=ReadEvent.Kind.SHORTLIST_PDF,
            object_id=shortlist.pk,
            label=label,
            candidate=application.candidate,
            mandates=[shortlist.mandate_id],
        )
    response = FileResponse(
        handle, as_attachment=True, filename=shortlist_filename(shortlist), content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def shortlist_retry(request, pk):
    """POST: queue a failed (or stuck) shortlist version again; redirect to its status page."""
    shortlist = selectors.shortlist_detail(pk=pk, user=request.user)
    try:
        services.shortlist_retry(shortlist=shortlist, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, _("The shortlist is queued again."))
    return redirect(shortlist)
