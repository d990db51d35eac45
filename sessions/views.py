"""Working-session screens: schedule/reschedule/cancel, session detail and .ics, the mediator's
"my sessions" and live observation form, CEO and candidate debriefs, personal calendar feed.

Thin views: access through ``cso_recruit.access`` (out of scope → 404), reads through
``selectors``, writes through ``services``.
"""

import re
from datetime import date, datetime, time, timedelta
from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from audit import services as audit_services
from audit.models import ReadEvent
from cso_recruit import access
from cso_recruit.forms import RevisionForm, add_service_errors
from figures import selectors as figures_selectors

from . import agenda, i18n, ics, ipa, scheduling, selectors, services
from .forms import (
    INCIDENT_MINUTE_MAX,
    BriefingFileForm,
    CancelForm,
    DebriefForm,
    IncidentForm,
    ObservationForm,
    RescheduleForm,
    ScheduleForm,
    SessionPlanForm,
)
from .models import CalendarFeed, CriticalIncident, Debrief, WorkingSession

#: What a calendar-feed token can be (``secrets.token_urlsafe``, at most the column's 64 characters).
FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


@login_required
@require_http_methods(["GET", "POST"])
def application_sessions(request, application_pk):
    """The application's working sessions and, for recruiters, the scheduling form — replaced by
    an explanation once the application has its four non-cancelled sessions (a POST then still
    reaches the service, which refuses it). A start in the past needs the form's confirmation."""
    application = access.get_visible_or_404(
        access.applications_visible_to(request.user).select_related("candidate", "mandate__ceo"),
        pk=application_pk,
    )
    can_manage = access.can_manage_mandate(request.user, application.mandate)
    active = selectors.active_session_count(application=application)
    full = active >= scheduling.MAX_ACTIVE_SESSIONS
    form = None
    if can_manage and (request.method == "POST" or not full):
        form = ScheduleForm(request.POST or None, mandate=application.mandate)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if form.is_valid():
            try:
                session = services.session_schedule(
                    application=application,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    mediator=form.cleaned_data["mediator"],
                    problem=form.cleaned_data["problem"],
                    location=form.cleaned_data["location"],
                    by=request.user,
                    tz_name=form.cleaned_data["tz"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Session %(n)d scheduled; the invitations are on their way.") % {"n": session.order},
                )
                return redirect("working_sessions:application", application_pk=application.pk)
    return render(
        request,
        "sessions/application_sessions.html",
        {
            "application": application,
            "sessions": selectors.application_sessions(application=application),
            "form": form,
            "can_manage": can_manage,
            "full": full,
            "active_sessions": active,
            "max_sessions": scheduling.MAX_ACTIVE_SESSIONS,
            "compatibility": selectors.compatibility_for(application=application, user=request.user),
            "coverage": figures_selectors.coverage_display(application=application, user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_detail(request, pk):
    session = selectors.session_detail(pk=pk, user=request.user)
    can_manage = access.sessions_managed_by(request.user).filter(pk=pk).exists()
    zone = scheduling._zone(session.timezone)  # the form shows the session's own zone, not the server's
    starts, ends = timezone.localtime(session.starts_at, zone), timezone.localtime(session.ends_at, zone)
    reschedule_form = RescheduleForm(
        prefix="r",
        initial={"date": starts.date(), "start": starts.time(), "end": ends.time(), "tz": session.timezone},
    )
    cancel_form = CancelForm(prefix="c")
    if request.method == "POST":
        if not can_manage:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "reschedule":
                reschedule_form = RescheduleForm(request.POST, prefix="r")
                if reschedule_form.is_valid():
                    services.session_reschedule(
                        session=session,
                        starts_at=reschedule_form.cleaned_data["starts_at"],
                        ends_at=reschedule_form.cleaned_data["ends_at"],
                        by=request.user,
                        reason=reschedule_form.cleaned_data["reason"],
                        tz_name=reschedule_form.cleaned_data["tz"],
                    )
                    messages.success(request, _("Session rescheduled; participants receive the update."))
                    return redirect(session)
            elif action == "cancel":
                cancel_form = CancelForm(request.POST, prefix="c")
                if cancel_form.is_valid():
                    services.session_cancel(
                        session=session, by=request.user, reason=cancel_form.cleaned_data["reason"]
                    )
                    messages.success(request, _("Session cancelled; participants are informed."))
                    return redirect(session)
            elif action in (WorkingSession.Status.HELD, WorkingSession.Status.NO_SHOW):
                services.session_set_status(session=session, status=action, by=request.user)
                messages.success(request, _("Status updated."))
                return redirect(session)
        except ValidationError as exc:
            target = cancel_form if action == "cancel" else reschedule_form
            if action in ("reschedule", "cancel"):
                add_service_errors(target, exc)
            else:
                messages.error(request, " ".join(exc.messages))
    observation = selectors.visible_observation(session=session, user=request.user)
    is_ceo = session.application.mandate.ceo_id == request.user.pk
    ceo_debrief = Debrief.objects.filter(session=session, party=ipa.CEO).first()
    return render(
        request,
        "sessions/session_detail.html",
        {
            "session": session,
            "can_manage": can_manage,
            "reschedule_form": reschedule_form,
            "cancel_form": cancel_form,
            "observation": observation,
            "is_ceo": is_ceo,
            "ceo_debrief": ceo_debrief,
            "is_mediator": access.sessions_assigned_to(request.user).filter(pk=session.pk).exists(),
            "can_see_application": access.applications_visible_to(request.user)
            .filter(pk=session.application_id)
            .exists(),
            "sealed": is_ceo and observation is None and ceo_debrief is None,
            "history": session.history.select_related("history_user").order_by("-history_date")[:20],
            "dimension_labels": {d.code: i18n.label(d) for d in ipa.DIMENSIONS},
            "perception": selectors.session_perception(
                session=session, user=request.user, observation=observation
            ),
            "tallies": observation.tallies() if observation else None,
            "ipa_rows": [(c.code, i18n.label(c)) for c in ipa.IPA_CATEGORIES],
        },
    )


@login_required
def session_ics(request, pk):
    session = selectors.session_detail(pk=pk, user=request.user)
    response = HttpResponse(ics.session_ics(session), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="seance-{session.order}.ics"'
    return response


@login_required
def my_sessions(request):
    """The sessions the user takes part in: as mediator (upcoming, to observe, drafts, done), and
    as the mandate's CEO or one of its recruiters (upcoming, past)."""
    context = selectors.mediator_sessions(user=request.user)
    participant = selectors.participant_sessions(user=request.user)
    context.update(
        participant_upcoming=participant["upcoming"],
        participant_past=participant["past"],
        mediates=any(context[k] for k in ("upcoming", "to_observe", "drafts", "done")),
    )
    return render(request, "sessions/my_sessions.html", context)


def _mediator_observation(request, pk):
    observation = get_object_or_404(
        access.observations_of_mediator(request.user).select_related(
            "session__application__candidate", "session__application__mandate"
        ),
        pk=pk,
    )
    return observation


@login_required
@require_POST
def observation_start(request, session_pk):
    session = get_object_or_404(access.sessions_assigned_to(request.user), pk=session_pk)
    try:
        observation = services.observation_start(session=session, mediator=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(session)
    return redirect(observation)


@login_required
@require_http_methods(["GET", "POST"])
def observation_edit(request, pk):
    """The live observation form. Works without JavaScript (plain POST); with it, counters and
    fields are saved as the mediator goes (``observation_tally`` / ``observation_autosave``)."""
    observation = _mediator_observation(request, pk)
    form = ObservationForm(request.POST or None, observation=observation)
    if request.method == "POST" and not observation.is_submitted:
        if form.is_valid():
            try:
                services.observation_save(
                    observation=observation,
                    by=request.user,
                    ratings=_ratings_from(form),
                    verdict=form.cleaned_data["verdict"],
                    confidence=form.cleaned_data["confidence"] or 0,
                    synthesis=form.cleaned_data["synthesis"],
                    punctuation=form.cleaned_data["punctuation"],
                )
                if "submit" in request.POST:
                    services.observation_submit(observation=observation, by=request.user)
                    messages.success(request, _("Observation submitted and locked."))
                    return redirect(observation.session)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Draft saved."))
                return redirect(observation)
    return _render_observation(request, observation, form=form)


def _observation_context(observation, *, form=None, incident_form=None, revision_form=None):
    """The context of the observation page (``observation_form.html``), shared by the views that
    show it: the form itself and, when a post was refused, the incident or revision form bound to
    what the mediator typed (errors shown, texts kept). Unbound forms where none is given."""
    observation.refresh_from_db()  # as saved (a refused post may have left the object half changed)
    return {
        **_incidents_context(observation, incident_form=incident_form),
        "form": form if form is not None else ObservationForm(observation=observation),
        "revision_form": revision_form if revision_form is not None else _observation_revision_form(),
        "tallies": observation.tallies(),
        "ipa_groups": _ipa_groups(),
        "parties": [(ipa.CEO, _("CEO")), (ipa.CANDIDATE, _("Candidate"))],
    }


def _incidents_context(observation, *, incident_form=None, message="", level="success"):
    """The context of the incidents block (``_incidents.html``): the incidents, the add form (bound
    as typed after a refusal, else unbound with the session clock's minute as its default), the
    session clock's minute (``None`` outside 0–600 min since the start) and a status message."""
    minute = selectors.session_minute(observation.session, upper=INCIDENT_MINUTE_MAX)
    if incident_form is None:
        incident_form = IncidentForm(prefix="i", initial={"minute": minute})
    return {
        "observation": observation,
        "session": observation.session,
        "incident_form": incident_form,
        "incidents": observation.incidents.all(),
        "session_minute": minute,
        "incident_minute_max": INCIDENT_MINUTE_MAX,
        "incident_message": message,
        "incident_message_level": level,
    }


def _wants_fragment(request):
    """Whether the post comes from ``static/js/observation.js``, which asks for the incidents block
    alone (header ``X-Requested-With: fetch``); a plain form post gets a whole page or a redirect."""
    return request.headers.get("X-Requested-With") == "fetch"


def _incidents_fragment(request, observation, *, status=200, **kwargs):
    """The incidents block as an HTML fragment for the script, marked ``X-Fragment: incidents``
    (the script puts only such an answer in place; a login page or an error page is not one)."""
    observation.refresh_from_db()
    response = render(
        request, "sessions/_incidents.html", _incidents_context(observation, **kwargs), status=status
    )
    response["X-Fragment"] = "incidents"
    return response


def _render_observation(request, observation, **forms):
    return render(request, "sessions/observation_form.html", _observation_context(observation, **forms))


def _ratings_from(form):
    return {d.code: form.cleaned_data.get(f"dim_{d.code}") or None for d in ipa.DIMENSIONS}


def _ipa_groups():
    groups = []
    for group in ipa.IPA_GROUPS:
        groups.append(
            (
                i18n.label(group),
                [(c.code, c.number, i18n.label(c)) for c in ipa.IPA_CATEGORIES if c.group == group.code],
            )
        )
    return groups


@login_required
@require_POST
def observation_tally(request, pk):
    """JSON endpoint of the +/− counters: ``party``, ``category``, ``delta`` (1 or -1).

    Without JavaScript the counter forms post here as a normal page (the browser asks for
    ``text/html``): the click is saved the same way and the mediator is sent back to the form."""
    observation = _mediator_observation(request, pk)
    as_page = "text/html" in request.headers.get("Accept", "")
    try:
        delta = int(request.POST.get("delta", ""))
        count = services.observation_tally(
            observation=observation,
            party=request.POST.get("party"),
            category=request.POST.get("category"),
            delta=delta,
            by=request.user,
        )
    except (ValueError, ValidationError) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else _("Invalid step.")
        if as_page:
            messages.error(request, message)
            return redirect(f"{observation.get_absolute_url()}#ipa-title")
        return JsonResponse({"ok": False, "error": message}, status=400)
    if as_page:
        return redirect(f"{observation.get_absolute_url()}#ipa-title")
    return JsonResponse({"ok": True, "count": count})


@login_required
@require_POST
def observation_autosave(request, pk):
    """JSON endpoint: saves the draft's ratings, verdict, confidence and synthesis as typed."""
    observation = _mediator_observation(request, pk)
    form = ObservationForm(request.POST, observation=observation)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": form.errors.get_json_data()}, status=400)
    try:
        services.observation_save(
            observation=observation,
            by=request.user,
            ratings=_ratings_from(form),
            verdict=form.cleaned_data["verdict"],
            confidence=form.cleaned_data["confidence"] or 0,
            synthesis=form.cleaned_data["synthesis"],
            punctuation=form.cleaned_data["punctuation"],
        )
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": " ".join(exc.messages)}, status=400)
    saved = date_format(timezone.localtime(), "H:i:s")
    return JsonResponse({"ok": True, "saved_at": saved, "message": _("Saved at %(time)s") % {"time": saved}})


def _locked_observation_redirect(request, observation, form):
    """A refused post to a submitted observation: its page shows no incident or revision form, so
    the refusal goes in a message (a locked observation keeps nothing typed anyway)."""
    messages.error(request, _locked_message(form))
    return redirect(observation)


def _locked_message(form):
    return " ".join(form.non_field_errors()) or _(
        "This observation is submitted and locked; open a revision with a reason."
    )


@login_required
@require_POST
def incident_add(request, pk):
    """Record a critical incident.

    From the script (``X-Requested-With: fetch``): answers the incidents block alone — 200 once
    recorded (with an empty add form), 422 with the form as typed and its errors, 409 when the
    observation is locked — so nothing typed elsewhere on the page is touched. From a plain form
    post: a redirect to the incidents once recorded; refused (invalid fields, or the service's
    rules), the observation page again with the incident form as typed and its errors."""
    observation = _mediator_observation(request, pk)
    form = IncidentForm(request.POST, prefix="i")
    fragment = _wants_fragment(request)
    if form.is_valid():
        try:
            services.incident_add(observation=observation, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if fragment:
                return _incidents_fragment(request, observation, message=_("Incident recorded."))
            messages.success(request, _("Incident recorded."))
            return redirect(f"{observation.get_absolute_url()}#incidents")
    observation.refresh_from_db()
    if observation.is_submitted:
        if fragment:
            return _incidents_fragment(
                request, observation, status=409, message=_locked_message(form), level="danger"
            )
        return _locked_observation_redirect(request, observation, form)
    if fragment:
        return _incidents_fragment(request, observation, status=422, incident_form=form)
    return _render_observation(request, observation, incident_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def incident_delete(request, pk):
    """Delete a critical incident of the mediator's draft, after a confirmation.

    GET (the × button without JavaScript): the confirmation page, with the incident and a POST
    form. POST from the script (which asked with a dialog first): the incidents block alone (200,
    or 409 with the refusal); a plain POST (the confirmation page): a redirect to the incidents,
    with a message when refused."""
    incident = get_object_or_404(
        CriticalIncident.objects.select_related("observation__session__application__candidate"),
        pk=pk,
        observation__in=access.observations_of_mediator(request.user),
    )
    if request.method == "GET":
        if incident.observation.is_submitted:
            return _locked_observation_redirect(request, incident.observation, IncidentForm())
        return render(request, "sessions/incident_confirm_delete.html", {"incident": incident})
    observation = incident.observation
    try:
        services.incident_delete(incident=incident, by=request.user)
    except ValidationError as exc:
        if _wants_fragment(request):
            return _incidents_fragment(
                request, observation, status=409, message=" ".join(exc.messages), level="danger"
            )
        messages.error(request, " ".join(exc.messages))
    else:
        if _wants_fragment(request):
            return _incidents_fragment(request, observation, message=_("Incident deleted."))
    return redirect(f"{observation.get_absolute_url()}#incidents")


def _observation_revision_form(data=None):
    return RevisionForm(data, required_message=_("A reason is required to revise a submitted observation."))


@login_required
@require_POST
def observation_revise(request, pk):
    """Open a revision of the submitted observation. A missing or too long reason shows the page
    again with the reason as typed and its error; a refusal of the service comes as a message."""
    observation = _mediator_observation(request, pk)
    form = _observation_revision_form(request.POST)
    if form.is_valid():
        try:
            revision = services.observation_revise(
                observation=observation, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # not the current submitted one: no revision form to show
                messages.error(request, " ".join(exc.messages))
                return redirect(observation)
            add_service_errors(form, exc)
        else:
            return redirect(revision)
    observation.refresh_from_db()
    if not (observation.is_submitted and observation.is_current):
        messages.error(request, " ".join([*form.errors.get("reason", []), *form.non_field_errors()]))
        return redirect(observation)
    return _render_observation(request, observation, revision_form=form)


def _not_held_message(session):
    why = {
        WorkingSession.Status.PLANNED: _("This session is not marked held yet."),
        WorkingSession.Status.CANCELLED: _("This session is cancelled."),
        WorkingSession.Status.NO_SHOW: _("This session is marked no-show."),
    }.get(session.status, "")
    return f"{_('A debrief is given after a held session.')} {why}".strip()


@login_required
@require_http_methods(["GET", "POST"])
def ceo_debrief(request, session_pk):
    session = get_object_or_404(
        access.sessions_visible_to(request.user).select_related(
            "application__candidate", "application__mandate"
        ),
        pk=session_pk,
        application__mandate__ceo=request.user,
    )
    existing = Debrief.objects.filter(session=session, party=ipa.CEO).first()
    # Before (or without) a held session there is nothing to debrief: the page says why and shows
    # no form; a POST is refused with the same page (the service would refuse it too).
    not_held = None if session.status == WorkingSession.Status.HELD else _not_held_message(session)
    form = DebriefForm(request.POST or None) if not_held is None else None
    if request.method == "POST" and existing is None and form is not None and form.is_valid():
        try:
            services.debrief_submit_ceo(
                session=session,
                by=request.user,
                ratings=form.ratings(),
                comment=form.cleaned_data["comment"],
                punctuation=form.cleaned_data["punctuation"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Debrief recorded. The mediator's observation is now open to you."))
            return redirect(session)
    return render(
        request,
        "sessions/debrief_form.html",
        {"session": session, "form": form, "existing": existing, "party": "ceo", "not_held": not_held},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def candidate_debrief(request, token):
    """The candidate's debrief, reached without an account through a signed, expiring, single-use
    link. A tampered, expired or used link shows a clear page and nothing else."""
    try:
        invitation = services.debrief_invitation_check(token)
    except services.DebriefLinkError as exc:
        return render(
            request,
            "sessions/debrief_link_error.html",
            {"reason": exc.reason},
            status=410 if exc.reason in ("expired", "used") else 404,
        )
    session = invitation.session
    # As for the CEO: before (or without) a held session the page says why and shows no form; the
    # link is not spent, so it works once the session is marked held.
    not_held = None if session.status == WorkingSession.Status.HELD else _not_held_message(session)
    form = DebriefForm(request.POST or None) if not_held is None else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.debrief_submit_candidate(
                token=token,
                ratings=form.ratings(),
                comment=form.cleaned_data["comment"],
                punctuation=form.cleaned_data["punctuation"],
            )
        except services.DebriefLinkError as exc:
            return render(request, "sessions/debrief_link_error.html", {"reason": exc.reason}, status=410)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "not_held":  # marked no-show meanwhile
                session.refresh_from_db()
                form, not_held = None, _not_held_message(session)
            else:
                add_service_errors(form, exc)
        else:
            return render(request, "sessions/debrief_thanks.html", {"session": session})
    return render(
        request,
        "sessions/debrief_form.html",
        {"session": session, "form": form, "party": "candidate", "public": True, "not_held": not_held},
    )


@login_required
def calendar_page(request):
    """GET: the user's working sessions on a month (default) or week grid, ``?view=month|week``
    and ``?day=YYYY-MM-DD`` (any day of the period; default today), in the user's zone (profile,
    else Europe/Paris), with the private feed address to subscribe to. Only the sessions the user
    may see (``selectors.calendar_sessions``); a date that cannot be read shows today's period."""
    zone = scheduling._zone(selectors.reader_zone_name(user=request.user))
    today = timezone.localtime(timezone.now(), zone).date()
    view = request.GET.get("view") if request.GET.get("view") in agenda.VIEWS else agenda.MONTH
    try:
        day = date.fromisoformat(request.GET.get("day") or "")
    except ValueError:
        day = today
    if not agenda.DAY_MIN <= day <= agenda.DAY_MAX:  # the grid and its previous/next links stay in range
        day = today
    first, last = agenda.period(view, day)
    starts = datetime.combine(first, time.min, tzinfo=zone)
    ends = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    by_day = {}
    for session in selectors.calendar_sessions(user=request.user, starts=starts, ends=ends):
        session.local_start = timezone.localtime(session.starts_at, zone)
        session.local_end = timezone.localtime(session.ends_at, zone)
        by_day.setdefault(session.local_start.date(), []).append(session)
    weeks = agenda.grid(view, day, by_day, today=today)
    feed, _created = CalendarFeed.objects.get_or_create(user=request.user)
    url = request.build_absolute_uri(f"/calendar/{feed.token}.ics")
    return render(
        request,
        "sessions/calendar.html",
        {
            "feed_url": url,
            "view": view,
            "day": day,
            "weeks": weeks,
            "days_with_sessions": [d for week in weeks for d in week if d.sessions and d.in_period],
            "zone_name": zone.key,
            "previous": agenda.step(view, day, -1),
            "next": agenda.step(view, day, 1),
            "today": today,
            "session_count": sum(len(d.sessions) for week in weeks for d in week if d.in_period),
        },
    )


@login_required
@require_POST
def calendar_reset(request):
    CalendarFeed.objects.filter(user=request.user).delete()
    messages.success(request, _("A new secret address was made; the old one no longer works."))
    return redirect("working_sessions:calendar")


def calendar_feed(request, token):
    """The personal feed (secret URL, no login): the user's sessions as CEO, mediator or recruiter.
    An address that cannot be a token (``secrets.token_urlsafe``: letters, digits, ``-`` and ``_``;
    e.g. a NUL character, which PostgreSQL refuses in a query) is a 404 like an unknown one."""
    if not FEED_TOKEN.fullmatch(token):
        raise Http404
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    sessions = (
        access.sessions_visible_to(feed.user)
        .select_related("application__candidate", "application__mandate__ceo", "mediator")
        .order_by("starts_at")
    )
    return HttpResponse(ics.feed_ics(sessions), content_type="text/calendar; charset=utf-8")


# ---------------------------------------------------------------------------------- session plan


def _render_plan(request, session, *, form=None, file_form=None, status=200):
    can_edit = access.session_plans_managed_by(request.user).filter(pk=session.pk).exists()
    criteria = selectors.plan_criteria()
    return render(
        request,
        "sessions/session_plan.html",
        {
            "session": session,
            "can_edit": can_edit,
            "editable": can_edit and session.plan_editable,
            "form": form or SessionPlanForm(session=session, criteria=criteria),
            "file_form": file_form or BriefingFileForm(),
            "files": list(session.briefing_files.all()),
            "targeted": list(session.target_criteria.all()),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_plan(request, pk):
    """The session plan: everyone who sees the session reads it (roles, criteria, briefing, pack);
    recruiters of the mandate and staff change it while the session is planned (POST by anyone
    else: 404). Once the session is held, the form is read-only and the service refuses."""
    session = selectors.session_plan(pk=pk, user=request.user)
    if request.method == "GET":
        return _render_plan(request, session)
    if not access.session_plans_managed_by(request.user).filter(pk=pk).exists():
        raise Http404
    form = SessionPlanForm(request.POST, session=session, criteria=selectors.plan_criteria())
    if not session.plan_editable:
        messages.error(request, _("This session is held: its plan is frozen and can no longer be changed."))
        return redirect("working_sessions:plan", pk=session.pk)
    if form.is_valid():
        try:
            services.session_plan_update(
                session=session,
                by=request.user,
                roles=form.cleaned_data["roles"],
                criteria=form.criterion_ids(),
                briefing=form.cleaned_data["briefing"],
                has_company_data=form.cleaned_data["has_company_data"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Session plan saved."))
            return redirect("working_sessions:plan", pk=session.pk)
    return _render_plan(request, session, form=form, status=400)


@login_required
@require_POST
def briefing_file_upload(request, pk):
    """Add a file to the session's briefing pack (recruiters of the mandate and staff; 404 for
    anyone else). A refused file (type, size, frozen plan) shows the plan page with the error."""
    session = selectors.session_plan(pk=pk, user=request.user)
    if not access.session_plans_managed_by(request.user).filter(pk=pk).exists():
        raise Http404
    file_form = BriefingFileForm(request.POST, request.FILES)
    if file_form.is_valid():
        try:
            services.briefing_file_add(
                session=session, by=request.user, uploaded=file_form.cleaned_data["file"]
            )
        except ValidationError as exc:
            add_service_errors(file_form, exc)
        else:
            messages.success(request, _("File added to the briefing pack."))
            return redirect("working_sessions:plan", pk=session.pk)
    session = selectors.session_plan(pk=pk, user=request.user)
    return _render_plan(request, session, file_form=file_form, status=400)


@login_required
@require_POST
def briefing_file_delete(request, pk):
    """Remove a file from the briefing pack (recruiters of the mandate and staff; 404 otherwise)."""
    item = selectors.briefing_file(pk=pk, user=request.user)
    if not access.session_plans_managed_by(request.user).filter(pk=item.session_id).exists():
        raise Http404
    try:
        services.briefing_file_delete(item=item, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("File removed from the briefing pack."))
    return redirect("working_sessions:plan", pk=item.session_id)


@login_required
def briefing_file_download(request, pk):
    """Download one briefing file: the session's panel (the mandate's CEO and recruiters, staff)
    and its mediator (``access.briefing_files_visible_to``), 404 for anyone else. Recorded in the
    read journal like a CV download; never cached (``private, no-store``)."""
    item = selectors.briefing_file(pk=pk, user=request.user)
    application = item.session.application
    extension = item.file.name.rsplit(".", 1)[-1]
    stem = PurePosixPath(item.original_name).stem or f"briefing-{item.pk}"
    audit_services.read_record(
        request,
        kind=ReadEvent.Kind.BRIEFING_FILE,
        object_id=item.pk,
        label=_("Briefing file %(name)s (session %(n)d)") % {"name": item, "n": item.session.order},
        candidate=application.candidate,
        mandates=[application.mandate_id],
    )
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=f"{stem}.{extension}")
    response["Cache-Control"] = "private, no-store"
    return response
