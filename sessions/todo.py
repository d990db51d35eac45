"""Who owes what after the working sessions ("À faire", issue 10 item 4).

What a signed-in person owes, each item with its due date:

Nothing is owed for a closed application (hired, rejected, withdrawn).

* the mandate's CEO: a debrief of each held session they have not debriefed, due
  ``SESSIONS_OVERDUE_AFTER_HOURS`` (default 24) after the session ended;
* the session's mediator (while a mediator of the mandate, ``access.sessions_assigned_to``): the
  observation of each session that has started, is neither cancelled nor a no-show and has no
  submitted observation, due at the same time;
* the mandate's CEO and recruiters (the panel): a session scorecard of each held session whose
  plan targets criteria they have not all rated yet, due like the debrief;
* the mandate's recruiters: the candidate's acknowledgement of the assessment notice
  (``sessions.notices``) for each open application with a session planned or held and no
  acknowledged notice, due when its first session starts (the candidate must be told before).

:func:`overdue_reminders_send` (beat) reminds the CEO and the mediator once per overdue item, read
from the database (``OverdueReminder``'s unique constraint; never a far-future broker ETA);
:func:`recruiter_digests_send` (beat, daily) sends each recruiter one e-mail listing what their
mandates are waiting for.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from assessments.models import Scorecard
from candidates.models import Application, Mandate, Stage
from cso_recruit import access
from outbox.services import Message, email_enqueue

from . import ipa
from .models import AssessmentNotice, Debrief, Observation, OverdueReminder, WorkingSession

CLOSED_STAGES = (Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN)
KIND_LABELS = {
    "scorecard": _("Your scorecard of the session's targeted criteria"),
    "debrief": _("Your debrief"),
    "observation": _("Your observation"),
    "notice": _("The candidate’s acknowledgement of the assessment notice"),
}
#: The same items as a recruiter reads them in the digest: owed by someone else.
DIGEST_LABELS = {
    "debrief": _("The CEO’s debrief"),
    "observation": _("The mediator’s observation"),
    "notice": _("The candidate’s acknowledgement of the assessment notice"),
}


def overdue_after() -> timedelta:
    """How long after a session ends its debrief and observation fall due (``SESSIONS_OVERDUE_AFTER_HOURS``)."""
    return timedelta(hours=settings.SESSIONS_OVERDUE_AFTER_HOURS)


@dataclass(frozen=True)
class TodoItem:
    """One thing owed: ``kind`` ("debrief", "observation" or "notice"), the ``session`` it is about
    (for a notice: the application's first session), ``due`` (aware datetime), ``url`` (where to
    do it) and whether it is ``overdue`` at the time the list was made."""

    kind: str
    session: WorkingSession
    due: datetime
    url: str
    overdue: bool

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _sessions(qs):
    return qs.select_related(
        "application__candidate", "application__mandate__company", "application__mandate__ceo"
    )


def _ceo_debriefs_owed(user=None):
    """Held sessions without the CEO's debrief (of ``user``'s mandates when given)."""
    debriefed = Debrief.objects.filter(session=OuterRef("pk"), party=ipa.CEO)
    qs = (
        WorkingSession.objects.filter(status=WorkingSession.Status.HELD)
        .exclude(Exists(debriefed))
        .exclude(application__stage__in=CLOSED_STAGES)  # hired, rejected, withdrawn: nothing more owed
    )
    return qs.filter(application__mandate__ceo=user) if user is not None else qs


def _observations_owed(now, sessions=None):
    """Started sessions, neither cancelled nor no-show, without a submitted observation."""
    submitted = Observation.objects.filter(session=OuterRef("pk"), status=Observation.Status.SUBMITTED)
    qs = WorkingSession.objects.all() if sessions is None else sessions
    return (
        qs.filter(status__in=[WorkingSession.Status.PLANNED, WorkingSession.Status.HELD], starts_at__lte=now)
        .exclude(Exists(submitted))
        .exclude(application__stage__in=CLOSED_STAGES)
    )


def _notices_missing(mandate_ids):
    """Open applications of ``mandate_ids`` with a planned or held session and no acknowledged
    notice, annotated with ``first_start`` (their first such session's start)."""
    acknowledged = AssessmentNotice.objects.filter(application=OuterRef("pk"), acknowledged_at__isnull=False)
    live = Q(working_sessions__status__in=[WorkingSession.Status.PLANNED, WorkingSession.Status.HELD])
    return (
        Application.objects.filter(mandate_id__in=mandate_ids)
        .exclude(stage__in=CLOSED_STAGES)
        .exclude(Exists(acknowledged))
        .annotate(first_start=Min("working_sessions__starts_at", filter=live))
        .filter(first_start__isnull=False)
    )


def _scorecards_owed(user, recruits, now, late) -> list[TodoItem]:
    """The held sessions (of open applications) whose plan targets criteria, of the mandates
    ``user`` sits on the panel of (CEO or recruiter), for which ``user`` has no submitted session
    scorecard rating every targeted criterion (a value, not "no evidence"); due like the debrief.
    The link opens their draft, else the assessment page where it is started. Three queries."""
    sessions = list(
        _sessions(
            WorkingSession.objects.filter(
                Q(application__mandate__ceo=user) | Q(application__mandate__in=recruits),
                status=WorkingSession.Status.HELD,
                target_criteria__isnull=False,
            )
            .exclude(application__stage__in=CLOSED_STAGES)
            .distinct()
        ).prefetch_related("target_criteria")
    )
    if not sessions:
        return []
    cards = {}
    for card in Scorecard.objects.filter(
        rater=user,
        context=Scorecard.Context.WORKING_SESSION,
        is_current=True,
        application_id__in={s.application_id for s in sessions},
    ).prefetch_related("ratings"):
        cards[(card.application_id, card.session_number)] = card
    owed = []
    for session in sessions:
        card = cards.get((session.application_id, session.order))
        targeted = {c.pk for c in session.target_criteria.all()}
        if card is not None and card.is_submitted:
            rated = {r.criterion_id for r in card.ratings.all() if r.value is not None}
            if targeted <= rated:
                continue
        due = session.ends_at + late
        url = (
            card.get_absolute_url()
            if card is not None and not card.is_submitted
            else reverse("assessments:summary", kwargs={"pk": session.application_id})
        )
        owed.append(TodoItem("scorecard", session, due, url, due <= now))
    return owed


def todo_for(user, *, now=None) -> list[TodoItem]:
    """What ``user`` owes, soonest due first (overdue items first). A fixed number of queries."""
    now = now or timezone.now()
    late = overdue_after()
    items = []
    for session in _sessions(_ceo_debriefs_owed(user)):
        due = session.ends_at + late
        url = reverse("working_sessions:ceo_debrief", kwargs={"session_pk": session.pk})
        items.append(TodoItem("debrief", session, due, url, due <= now))
    for session in _sessions(_observations_owed(now, access.sessions_assigned_to(user))).prefetch_related(
        "observations"
    ):
        due = session.ends_at + late
        current = next((o for o in session.observations.all() if o.is_current), None)
        url = current.get_absolute_url() if current else session.get_absolute_url()
        items.append(TodoItem("observation", session, due, url, due <= now))
    recruits = Mandate.recruiters.through.objects.filter(user=user).values("mandate_id")
    items.extend(_scorecards_owed(user, recruits, now, late))
    missing = list(_notices_missing(recruits).select_related("candidate", "mandate__company"))
    firsts = {
        s.application_id: s
        for s in _sessions(
            WorkingSession.objects.filter(
                application__in=missing, starts_at__in=[a.first_start for a in missing]
            ).exclude(status=WorkingSession.Status.CANCELLED)
        )
    }
    for application in missing:
        session = firsts.get(application.pk)
        if session is None:
            continue
        url = reverse("working_sessions:application", kwargs={"application_pk": application.pk})
        items.append(
            TodoItem("notice", session, application.first_start, url, application.first_start <= now)
        )
    items.sort(key=lambda i: (not i.overdue, i.due, i.session.pk))
    return items


# --------------------------------------------------------------------------------- the reminders


def _user_language(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


def _message(template: str, user, context: dict, key: str) -> Message:
    language = _user_language(user)
    with translation.override(language):
        subject = " ".join(render_to_string(f"sessions/email/{template}_subject.txt", context).split())
        body = str.__str__(render_to_string(f"sessions/email/{template}_body.txt", context)).strip() + "\n"
        html = render_to_string(
            "email/message.html", {"subject": subject, "body": body, "language": language}
        )
    return Message(key=key, to=user.email, subject=subject, body=body, html=html)


def overdue_reminders_send(*, now=None) -> int:
    """Remind, once each, the CEO of every overdue debrief and the mediator of every overdue
    observation (due ``SESSIONS_OVERDUE_AFTER_HOURS`` after the session ended); a mediator no
    longer on the mandate is not reminded. The reminder row and its e-mail are written in one
    transaction (the outbox sends it after the commit); two overlapping beats write one. Returns
    the number of reminders written."""
    now = now or timezone.now()
    cutoff = now - overdue_after()
    site = settings.SITE_URL.rstrip("/")
    owed = []
    for session in _sessions(_ceo_debriefs_owed().filter(ends_at__lte=cutoff)).select_related(
        "application__mandate__ceo__profile"
    ):
        url = reverse("working_sessions:ceo_debrief", kwargs={"session_pk": session.pk})
        owed.append((OverdueReminder.Kind.DEBRIEF, session, session.application.mandate.ceo, url))
    still_mediating = Mandate.mediators.through.objects.filter(
        mandate_id=OuterRef("application__mandate_id"), user_id=OuterRef("mediator_id")
    )
    observations = _observations_owed(now).filter(ends_at__lte=cutoff).filter(Exists(still_mediating))
    for session in _sessions(observations).select_related("mediator__profile"):
        owed.append((OverdueReminder.Kind.OBSERVATION, session, session.mediator, session.get_absolute_url()))
    sent = 0
    for kind, session, user, url in owed:
        if not user.email:
            continue
        context = {"kind": kind, "session": session, "user": user, "link": site + url}
        try:
            with transaction.atomic():
                OverdueReminder.objects.create(kind=kind, session=session, user=user)
                email_enqueue([_message("overdue", user, context, f"overdue:{kind}:{session.pk}:{user.pk}")])
        except IntegrityError:
            continue  # already reminded
        sent += 1
    return sent


def recruiter_digests_send(*, now=None) -> int:
    """One e-mail per recruiter (of at least one mandate with something pending) listing what
    their mandates are waiting for: the CEO's debriefs, the mediators' observations and the
    candidates' acknowledgements of the notice, overdue ones marked, due times in the recruiter's
    zone (their profile's, else the site's), named. Once a day (the message key holds the date).
    Returns the number of digests written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    site = settings.SITE_URL.rstrip("/")
    late = overdue_after()
    pending: dict[int, list] = {}

    def add(mandate_id, kind, application, order, due):
        pending.setdefault(mandate_id, []).append(
            {
                "kind": kind,
                "label": DIGEST_LABELS[kind],
                "candidate": application.candidate.full_name,
                "order": order,
                "due": due,
                "overdue": due <= now,
            }
        )

    for session in _sessions(_ceo_debriefs_owed()):
        add(
            session.application.mandate_id,
            "debrief",
            session.application,
            session.order,
            session.ends_at + late,
        )
    for session in _sessions(_observations_owed(now)):
        add(
            session.application.mandate_id,
            "observation",
            session.application,
            session.order,
            session.ends_at + late,
        )
    for application in _notices_missing(Mandate.objects.values("pk")).select_related("candidate"):
        add(application.mandate_id, "notice", application, None, application.first_start)
    if not pending:
        return 0
    mandates = Mandate.objects.filter(pk__in=list(pending)).select_related("company")
    by_recruiter: dict[int, list] = {}
    for mandate in mandates:
        lines = sorted(pending[mandate.pk], key=lambda line: line["due"])
        for recruiter_id in mandate.recruiters.values_list("pk", flat=True):
            by_recruiter.setdefault(recruiter_id, []).append((mandate, lines))
    written = 0
    for user in (
        get_user_model().objects.filter(pk__in=list(by_recruiter), is_active=True).select_related("profile")
    ):
        if not user.email:
            continue
        zone = getattr(getattr(user, "profile", None), "time_zone", "") or settings.TIME_ZONE
        context = {"user": user, "mandates": by_recruiter[user.pk], "now": now, "site": site, "zone": zone}
        email_enqueue([_message("digest", user, context, f"digest:{user.pk}:{today.isoformat()}")])
        written += 1
    return written


# ------------------------------------------------------------ items owed outside the sessions


@dataclass(frozen=True)
class ExtraTodoItem:
    """The shape of an item a higher app adds to "À faire" (e.g. a start kit's check-in): ``kind``,
    ``label``, ``candidate`` (full name), ``company``, ``due`` (aware datetime), ``url``, ``overdue``
    ``action`` (the button's label) and ``detail`` (a line of context). Duck-typed: any object with these attributes will do."""

    kind: str
    label: str
    candidate: str
    company: str
    due: datetime
    url: str
    overdue: bool
    action: str
    detail: str = ""


#: Sources of further "À faire" items, registered by higher apps in their ``AppConfig.ready``
#: (``offers``: the approvals owed; ``onboarding``: the check-ins due). Each is a callable
#: ``(user, now) -> list`` of items shaped as :class:`ExtraTodoItem`.
_EXTRA_SOURCES: list = []


def todo_source_register(source) -> None:
    """Add ``source`` (see ``_EXTRA_SOURCES``) to the "À faire" page; registering twice is a no-op."""
    if source not in _EXTRA_SOURCES:
        _EXTRA_SOURCES.append(source)


def todo_extra_for(user, *, now=None) -> list:
    """The items the registered sources say ``user`` owes, soonest due first (overdue first)."""
    now = now or timezone.now()
    items = [item for source in _EXTRA_SOURCES for item in source(user, now)]
    items.sort(key=lambda i: (not i.overdue, i.due))
    return items
