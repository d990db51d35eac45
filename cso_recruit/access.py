"""Access rules (DESIGN.md §3) — the one module that decides who sees and does what.

Every view, export and command goes through these functions. Rules:

- A user sees a mandate, its applications, scorecards, sessions and reports only through
  membership of that mandate (CEO, recruiter or mediator). Staff see everything.
- CEO and recruiters of a mandate see its pipeline and applications; recruiters (and staff)
  change them.
- A mediator sees only the working sessions assigned to them and the header of those applications,
  and only while they are a mediator of the session's mandate: removed from the mandate, they
  lose them (``sessions_assigned_to``).
- Objects outside a user's scope answer 404 (``get_object_or_404`` over a visible queryset),
  never 403, so their existence does not leak.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from candidates.models import Application, Candidate, ExportJob, ImportJob, Mandate

GROUP_RECRUITER = "recruiter"
GROUP_CEO = "ceo"
GROUP_MEDIATOR = "mediator"
GROUPS = (GROUP_RECRUITER, GROUP_CEO, GROUP_MEDIATOR)


def _authenticated(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def mandates_visible_to(user) -> QuerySet:
    """Mandates the user is a member of (CEO, recruiter or mediator); all for staff; none if anonymous."""
    if not _authenticated(user):
        return Mandate.objects.none()
    qs = Mandate.objects.select_related("company", "ceo")
    if user.is_staff:
        return qs
    member = Q(ceo=user) | Q(pk__in=Mandate.recruiters.through.objects.filter(user=user).values("mandate_id"))
    member |= Q(pk__in=Mandate.mediators.through.objects.filter(user=user).values("mandate_id"))
    return qs.filter(member)


def pipeline_mandates(user) -> QuerySet:
    """Mandates whose pipeline (every application) the user may read: CEO, recruiters, staff."""
    if not _authenticated(user):
        return Mandate.objects.none()
    qs = Mandate.objects.select_related("company", "ceo")
    if user.is_staff:
        return qs
    return qs.filter(
        Q(ceo=user) | Q(pk__in=Mandate.recruiters.through.objects.filter(user=user).values("mandate_id"))
    )


def managed_mandates(user) -> QuerySet:
    """Mandates the user may change (add candidates, move stages, import): recruiters and staff."""
    if not _authenticated(user):
        return Mandate.objects.none()
    qs = Mandate.objects.select_related("company", "ceo")
    if user.is_staff:
        return qs
    return qs.filter(pk__in=Mandate.recruiters.through.objects.filter(user=user).values("mandate_id"))


def import_jobs_visible_to(user) -> QuerySet:
    """CSV import jobs the user may follow and confirm: those of the mandates they manage
    (recruiters and staff), the rule of the import itself."""
    return ImportJob.objects.filter(mandate__in=managed_mandates(user).values("pk"))


def export_jobs_visible_to(user) -> QuerySet:
    """CSV export jobs the user may follow and download: their own, of a mandate whose pipeline
    they still read (the file holds what its requester could see, so it is theirs alone)."""
    if not _authenticated(user):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by=user, mandate__in=pipeline_mandates(user).values("pk"))


def applications_visible_to(user) -> QuerySet:
    """Applications whose full record the user may read (pipeline members and staff).

    Mediators are not included: they will reach an application only through the header of a
    working session assigned to them.
    """
    return Application.objects.filter(mandate__in=pipeline_mandates(user).values("pk"))


def applications_managed_by(user) -> QuerySet:
    """Applications the user may change: those of mandates they recruit for (or staff)."""
    return Application.objects.filter(mandate__in=managed_mandates(user).values("pk"))


def candidates_visible_to(user) -> QuerySet:
    """Candidates with at least one application the user may read."""
    visible = applications_visible_to(user).filter(candidate=OuterRef("pk"))
    return Candidate.objects.filter(Exists(visible))


def candidates_managed_by(user) -> QuerySet:
    """Candidates the user may edit: with an application in a mandate they recruit for."""
    managed = applications_managed_by(user).filter(candidate=OuterRef("pk"))
    return Candidate.objects.filter(Exists(managed))


def can_manage_mandate(user, mandate) -> bool:
    return managed_mandates(user).filter(pk=mandate.pk).exists()


def is_ceo_of(user, mandate) -> bool:
    return _authenticated(user) and mandate.ceo_id == user.pk


def get_visible_or_404(queryset: QuerySet, **lookup):
    """``get_object_or_404`` over an access-filtered queryset: out of scope and missing look the same."""
    return get_object_or_404(queryset, **lookup)


# ---------------------------------------------------------------------------- working sessions


def _mediated_mandate_ids(user) -> QuerySet:
    """Ids of the mandates ``user`` is a mediator of today (``Mandate.mediators``)."""
    return Mandate.mediators.through.objects.filter(user=user).values("mandate_id")


def _assigned(user) -> Q:
    """``Q`` of the sessions assigned to ``user`` as mediator in a mandate they are still a
    mediator of."""
    return Q(mediator=user, application__mandate__in=_mediated_mandate_ids(user))


def assigned_q(user) -> Q:
    """The ``Q`` of :func:`sessions_assigned_to`, to combine in a session query."""
    return _assigned(user)


def sessions_assigned_to(user) -> QuerySet:
    """Working sessions the user mediates: assigned to them, in a mandate they are still a mediator
    of — a mediator removed from a mandate loses its sessions (pages, observations, calendar,
    "My sessions"), even those assigned to them before."""
    from sessions.models import WorkingSession

    if not _authenticated(user):
        return WorkingSession.objects.none()
    return WorkingSession.objects.filter(_assigned(user))


def observations_of_mediator(user) -> QuerySet:
    """Observations the user wrote as mediator and may still open and edit: those of sessions of a
    mandate they are still a mediator of (see :func:`sessions_assigned_to`)."""
    from sessions.models import Observation

    if not _authenticated(user):
        return Observation.objects.none()
    return Observation.objects.filter(
        mediator=user, session__application__mandate__in=_mediated_mandate_ids(user)
    )


def is_mediator_of(user, mandate_id) -> bool:
    """Whether ``user`` is a mediator of mandate ``mandate_id`` today."""
    return (
        _authenticated(user)
        and Mandate.mediators.through.objects.filter(user=user, mandate_id=mandate_id).exists()
    )


def sessions_visible_to(user) -> QuerySet:
    """Working sessions the user may see: all those of mandates whose pipeline they read (CEO,
    recruiters, staff), plus the sessions assigned to them as mediator of a mandate they are
    still a mediator of (:func:`sessions_assigned_to`)."""
    from sessions.models import WorkingSession

    if not _authenticated(user):
        return WorkingSession.objects.none()
    return WorkingSession.objects.filter(
        Q(application__mandate__in=pipeline_mandates(user).values("pk")) | _assigned(user)
    )


def sessions_participated_by(user) -> QuerySet:
    """Working sessions ``user`` takes part in ("My sessions"): as the mandate's CEO, as one of its
    recruiters, or as the mediator assigned to it (:func:`sessions_assigned_to`). Staff see all
    sessions (:func:`sessions_visible_to`) but take part only in their own."""
    from sessions.models import WorkingSession

    if not _authenticated(user):
        return WorkingSession.objects.none()
    recruits = Mandate.recruiters.through.objects.filter(user=user).values("mandate_id")
    return WorkingSession.objects.filter(
        Q(application__mandate__ceo=user) | Q(application__mandate__in=recruits) | _assigned(user)
    )


def sessions_managed_by(user) -> QuerySet:
    """Sessions the user may schedule, reschedule or cancel: recruiters of the mandate and staff."""
    from sessions.models import WorkingSession

    return WorkingSession.objects.filter(application__mandate__in=managed_mandates(user).values("pk"))


def session_plans_managed_by(user) -> QuerySet:
    """Sessions whose plan (targeted roles and criteria, briefing, briefing pack) the user may
    change: the same people as :func:`sessions_managed_by` (recruiters of the mandate, staff).
    Whether the plan is still open (a planned session) is the service's rule, not an access one."""
    return sessions_managed_by(user)


def briefing_files_visible_to(user) -> QuerySet:
    """Briefing-pack files the user may download: those of the sessions they may see
    (:func:`sessions_visible_to`: the mandate's CEO and recruiters, staff, and the session's own
    mediator while a mediator of the mandate). Another mediator of the mandate, another mandate's
    members and anonymous users get none (404)."""
    from sessions.models import BriefingFile

    if not _authenticated(user):
        return BriefingFile.objects.none()
    return BriefingFile.objects.filter(session__in=sessions_visible_to(user).values("pk"))


def application_headers_visible_to(user) -> QuerySet:
    """Applications whose header (candidate name, mandate, stage) the user may see: pipeline
    members, plus the mediator of any of its working sessions (while a mediator of its mandate)."""
    from sessions.models import WorkingSession

    if not _authenticated(user):
        return Application.objects.none()
    assigned = WorkingSession.objects.filter(_assigned(user), application=OuterRef("pk"))
    return Application.objects.filter(
        Q(mandate__in=pipeline_mandates(user).values("pk")) | Q(Exists(assigned))
    )


def observation_visible(user, observation) -> bool:
    """Sealed observation rule (DESIGN.md §3), about the person, not the role.

    The mandate's CEO reads a session's observation only once it is submitted AND after
    submitting their own debrief of that session — whatever other role they also hold (recruiter
    of the mandate, staff, mediator of other sessions): the CEO rule is checked first. Otherwise
    the session's mediator reads their own (drafts included) while a mediator of the mandate; recruiters of the mandate and staff
    read it once submitted; nobody else does. Returns a bool; one or two queries.
    """
    from sessions.models import Debrief

    if not _authenticated(user):
        return False
    session = observation.session
    if session.application.mandate.ceo_id == user.pk:
        return observation.is_submitted and Debrief.objects.filter(session=session, party="ceo").exists()
    if observation.mediator_id == user.pk and is_mediator_of(user, session.application.mandate_id):
        return True
    if not observation.is_submitted:
        return False
    return user.is_staff or managed_mandates(user).filter(pk=session.application.mandate_id).exists()


def debrief_ratings_visible(user, session) -> bool:
    """Whether ``user`` reads the CEO's and the candidate's debrief ratings of ``session`` (the
    perception-gap table of the session page), about the person, not the role, like the sealed
    observation: the mandate's CEO only once they have given their own debrief of that session
    (never before: their ratings stay their own); otherwise staff and the mandate's recruiters.
    Mediators do not (their observation stays independent of the parties' accounts). One query.
    """
    from sessions.models import Debrief

    if not _authenticated(user):
        return False
    if session.application.mandate.ceo_id == user.pk:
        return Debrief.objects.filter(session=session, party="ceo").exists()
    return user.is_staff or managed_mandates(user).filter(pk=session.application.mandate_id).exists()


def reads_full_compatibility(user, mandate) -> bool:
    """Whether ``user`` reads the mandate's compatibility in the ``full`` reading (every submitted
    observation): staff and recruiters of the mandate — but never its CEO, who reads the ``ceo``
    reading (sealed until their own debrief) whatever other role they hold."""
    if not _authenticated(user) or mandate.ceo_id == user.pk:
        return False
    return user.is_staff or can_manage_mandate(user, mandate)


# ---------------------------------------------------------------- access exports and read audit


def access_export_scope(user, candidate) -> QuerySet:
    """The mandates an access export of ``candidate`` requested by ``user`` would cover: the
    candidate's mandates the user manages (recruiter), every one of them for staff; none when the
    user may not request it.

    Refused (empty) for anonymous users, for whoever manages none of the candidate's mandates
    (CEO, mediator, other mandates' recruiters), and for the CEO of any mandate in that scope
    whatever other role they hold (recruiter, staff): the export holds every submitted
    observation and the other raters' scorecards, which the sealing and independence rules keep
    from the CEO. Returns a ``Mandate`` queryset (one query when evaluated).
    """
    if not _authenticated(user):
        return Mandate.objects.none()
    mandates = Mandate.objects.filter(applications__candidate=candidate).distinct()
    if not user.is_staff:
        mandates = mandates.filter(pk__in=managed_mandates(user).values("pk"))
    if mandates.filter(ceo=user).exists():
        return Mandate.objects.none()
    return mandates


def may_request_access_export(user, candidate) -> bool:
    """Whether ``user`` may request an access export of ``candidate`` (``access_export_scope`` is
    not empty): recruiters of the candidate's mandates and staff, never a CEO of one of them."""
    return access_export_scope(user, candidate).exists()


def access_exports_visible_to(user) -> QuerySet:
    """Access exports the user may follow and download: those whose every covered mandate they
    manage (recruiters: a job covering another mandate too is not theirs), all for staff; never
    one covering a mandate whose CEO they are. Everyone else: none (404 as for a missing job)."""
    from audit.models import AccessExport

    if not _authenticated(user):
        return AccessExport.objects.none()
    through = AccessExport.mandates.through.objects.filter(accessexport=OuterRef("pk"))
    qs = AccessExport.objects.exclude(Exists(through.filter(mandate__ceo=user)))
    if user.is_staff:
        return qs
    outside = through.exclude(mandate__in=managed_mandates(user).values("pk"))
    return qs.filter(Exists(through)).exclude(Exists(outside))


def may_read_journal(user) -> bool:
    """Whether ``user`` may open the read journal ("Journal des accès"): staff and recruiters."""
    return _authenticated(user) and (user.is_staff or managed_mandates(user).exists())


def read_events_visible_to(user) -> QuerySet:
    """Read events the user may see in the journal: all for staff; for recruiters, those about a
    mandate they manage (the events' ``mandates``); none for anyone else."""
    from audit.models import ReadEvent

    if not _authenticated(user):
        return ReadEvent.objects.none()
    if user.is_staff:
        return ReadEvent.objects.all()
    through = ReadEvent.mandates.through.objects.filter(
        readevent=OuterRef("pk"), mandate__in=managed_mandates(user).values("pk")
    )
    return ReadEvent.objects.filter(Exists(through))


# ---------------------------------------------------------------------------- navigation


@dataclass(frozen=True)
class Roles:
    """What a user is, for the navigation: each flag is the group *or* the membership (a recruiter
    of a mandate counts as a recruiter even outside the ``recruiter`` group, and so on).
    ``ceo_mandates``: ``(slug, title)`` of the mandates whose CEO the user is, for their dashboards."""

    recruiter: bool = False
    ceo: bool = False
    mediator: bool = False
    staff: bool = False
    recruits: bool = False
    ceo_mandates: tuple = ()

    @property
    def reads_journal(self) -> bool:
        """The rule of :func:`may_read_journal` (staff, recruiters of a mandate) on these flags."""
        return self.staff or self.recruits


def roles_of(user) -> Roles:
    """The roles ``user`` holds (a person may hold several; ``Roles()`` when anonymous): one query
    for the groups and memberships, and one more for the CEO's mandates when they are a CEO."""
    if not _authenticated(user):
        return Roles()
    from django.contrib.auth import get_user_model

    def group(name):
        return Exists(get_user_model().groups.through.objects.filter(user=OuterRef("pk"), group__name=name))

    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            g_recruiter=group(GROUP_RECRUITER),
            g_ceo=group(GROUP_CEO),
            g_mediator=group(GROUP_MEDIATOR),
            recruits=Exists(Mandate.recruiters.through.objects.filter(user=OuterRef("pk"))),
            heads=Exists(Mandate.objects.filter(ceo=OuterRef("pk"))),
            mediates=Exists(Mandate.mediators.through.objects.filter(user=OuterRef("pk"))),
        )
        .values("g_recruiter", "g_ceo", "g_mediator", "recruits", "heads", "mediates")
        .first()
    )
    if row is None:
        return Roles()
    ceo_mandates = ()
    if row["heads"]:
        ceo_mandates = tuple(
            Mandate.objects.filter(ceo=user).order_by("title", "pk").values_list("slug", "title")
        )
    return Roles(
        recruiter=row["g_recruiter"] or row["recruits"],
        ceo=row["g_ceo"] or row["heads"],
        mediator=row["g_mediator"] or row["mediates"],
        staff=user.is_staff,
        recruits=row["recruits"],
        ceo_mandates=ceo_mandates,
    )


@dataclass(frozen=True)
class NavEntry:
    """One link of the main navigation: ``key`` (stable, for tests and styling), ``label``,
    ``url``, and ``children`` (a menu of further entries, e.g. a CEO's several dashboards)."""

    key: str
    label: str
    url: str
    children: tuple = ()


def navigation_for(user, roles: Roles | None = None) -> list[NavEntry]:
    """The main navigation of ``user``, the union of their roles' links, in a fixed order.

    - everyone with a role: To do first (``sessions.todo``: what they owe);
    - recruiter: Mandates, My scorecards, My sessions, Calendar (and the access journal while they
      recruit for a mandate, :func:`may_read_journal`);
    - CEO: their dashboard (a menu when they head several mandates), My scorecards (the CEO rates
      candidates too), My sessions, Calendar — no Mandates list unless they also recruit;
    - mediator: My sessions, Calendar;
    - staff: everything, plus the access journal and the Django admin.
    Nobody signed in, or no role at all: no links.
    """
    from django.urls import reverse
    from django.utils.translation import gettext as _

    roles = roles if roles is not None else roles_of(user)
    entries = []
    if roles.recruiter or roles.ceo or roles.mediator or roles.staff:
        entries.append(NavEntry("todo", _("To do"), reverse("working_sessions:todo")))
    if roles.recruiter or roles.staff:
        entries.append(NavEntry("mandates", _("Mandates"), reverse("candidates:mandate_list")))
    if roles.ceo_mandates:
        dashboards = tuple(
            NavEntry(f"dashboard:{slug}", title, reverse("reports:dashboard", args=[slug]))
            for slug, title in roles.ceo_mandates
        )
        if len(dashboards) == 1:
            entries.append(NavEntry("dashboard", _("My dashboard"), dashboards[0].url))
        else:
            entries.append(
                NavEntry("dashboards", _("My dashboards"), reverse("candidates:mandate_list"), dashboards)
            )
    if roles.recruiter or roles.ceo or roles.staff:
        entries.append(NavEntry("scorecards", _("My scorecards"), reverse("assessments:my_scorecards")))
    if roles.recruiter or roles.ceo or roles.mediator or roles.staff:
        entries.append(NavEntry("sessions", _("My sessions"), reverse("working_sessions:mine")))
        entries.append(NavEntry("calendar", _("Calendar"), reverse("working_sessions:calendar")))
    if roles.reads_journal:
        entries.append(NavEntry("journal", _("Access journal"), reverse("audit:journal")))
    if roles.staff:
        entries.append(NavEntry("admin", _("Administration"), reverse("admin:index")))
    return entries


# ---------------------------------------------------------------------------- offers


def offer_applications_visible_to(user) -> QuerySet:
    """Applications whose offer page ``user`` may open: those whose pipeline they read (the
    mandate's CEO and recruiters, staff), plus those whose offer lists them as an approver (in
    the draft list or in any round) while they are still a member of the mandate."""
    from offers.models import OfferApproval, OfferApprover

    if not _authenticated(user):
        return Application.objects.none()
    members = mandates_visible_to(user).values("pk")
    listed = OfferApprover.objects.filter(offer__application=OuterRef("pk"), user=user)
    approving = OfferApproval.objects.filter(offer__application=OuterRef("pk"), approver=user)
    return Application.objects.filter(
        Q(mandate__in=pipeline_mandates(user).values("pk"))
        | (Q(mandate__in=members) & (Q(Exists(listed)) | Q(Exists(approving))))
    )


def can_manage_offer(user, application) -> bool:
    """Whether ``user`` may write the offer of ``application`` (terms, approvers, submission,
    withdrawal, the candidate's answer): the recruiters of its mandate and staff. Deciding an
    approval is the approver's own act (``offers.services.approval_decide`` checks whose turn)."""
    return can_manage_mandate(user, application.mandate)


# ---------------------------------------------------------------------------- decision meetings


def decision_applications_visible_to(user) -> QuerySet:
    """Applications whose decision page (agenda, meeting, final decision) the user may read: the
    mandate's CEO and recruiters and staff (:func:`applications_visible_to`); mediators and other
    mandates' members get 404."""
    return applications_visible_to(user)


def is_panel_member(user, application) -> bool:
    """Whether ``user`` sits on the panel of ``application``: the people who score it and vote at
    its decision meeting — the mandate's CEO and its recruiters (membership, not group; staff who
    are neither do not vote). One query at most."""
    if not _authenticated(user):
        return False
    mandate = application.mandate
    if mandate.ceo_id == user.pk:
        return True
    return Mandate.recruiters.through.objects.filter(user=user, mandate_id=mandate.pk).exists()


def can_open_decision_meeting(user, application) -> bool:
    """Recruiters of the mandate and staff open the decision meeting (whether the application is
    at stage "decision" is the service's rule)."""
    return can_manage_mandate(user, application.mandate)


def can_record_final_decision(user, application) -> bool:
    """Only the mandate's CEO records the final decision (and closes the meeting)."""
    return is_ceo_of(user, application.mandate)


def can_edit_swot(user, application) -> bool:
    """Recruiters of the mandate and staff edit the SWOT's opportunities and threats."""
    return can_manage_mandate(user, application.mandate)


def decision_votes_visible(user, meeting, *, all_voted: bool) -> bool:
    """Independence of the votes, like the scorecards': while the meeting is open and some panel
    member has not voted, nobody reads another member's vote (each reads only their own); once
    every panel member has voted (``all_voted``) or the meeting is closed, whoever reads the
    decision page reads every vote. ``meeting`` may be ``None`` (no meeting: nothing to read)."""
    if meeting is None or not _authenticated(user):
        return False
    return (not meeting.is_open) or all_voted


# ---------------------------------------------------------------------------- start kits (onboarding)


def start_kits_visible_to(user) -> QuerySet:
    """Start kits (``onboarding.StartKit``) the user may read **and edit** (plan, charter, start
    date, sharing the CSO's link): those of the applications whose full record they read — the
    mandate's CEO and recruiters, staff. Mediators and other mandates' members: none (404). The
    CSO reads theirs through the signed link only. Signing for the CEO and the CEO's check-in are
    the mandate's CEO's alone (:func:`is_ceo_of`)."""
    from onboarding.models import StartKit

    if not _authenticated(user):
        return StartKit.objects.none()
    return StartKit.objects.filter(application__mandate__in=pipeline_mandates(user).values("pk"))


def start_kit_documents_visible_to(user) -> QuerySet:
    """The start kits' PDFs (``onboarding.StartKitDocument``) the user may download: those of the
    kits they read (:func:`start_kits_visible_to`)."""
    from onboarding.models import StartKitDocument

    return StartKitDocument.objects.filter(kit__in=start_kits_visible_to(user).values("pk"))
