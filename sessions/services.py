"""Write operations on working sessions, observations and debriefs.

Scheduling rules (DESIGN.md §5), held here whatever the entry point (form, admin, shell):
at most four non-cancelled sessions per application; no CEO, mediator or candidate in two
overlapping non-cancelled sessions; end after start; times aware; a start no more than 366 days
ago and no more than 731 days ahead (``out_of_range``). Concurrency: the application
and every participant row are locked (``select_for_update``, in a fixed order) before the checks,
so two simultaneous requests for the same slot yield one session.
"""

import hashlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from assessments.models import RoleGroup
from assessments.services import framework_active
from candidates.models import Application, Candidate
from candidates.services import store_document, validate_document
from cso_recruit import access, revisions
from cso_recruit.events import figures_inputs_changed
from outbox.services import email_enqueue

from . import emails, i18n, ipa, notices, scheduling
from .models import (
    BriefingFile,
    CriticalIncident,
    Debrief,
    DebriefInvitation,
    IpaTally,
    Observation,
    SessionReminder,
    WorkingSession,
)

DEBRIEF_SALT = "working_sessions.debrief"
DEBRIEF_MAX_AGE = timedelta(days=14)
ACTIVE = ~Q(status=WorkingSession.Status.CANCELLED)


def _lock_participants(application, mediator):
    """Lock the application, then the participants (users by pk order, then the candidate)."""
    Application.objects.select_for_update().get(pk=application.pk)
    user_ids = sorted({application.mandate.ceo_id, mediator.pk})
    list(get_user_model().objects.select_for_update().filter(pk__in=user_ids).order_by("pk"))
    Candidate.objects.select_for_update().get(pk=application.candidate_id)


def _local(value, tz_name):
    """``value`` as a short date and a 24-hour time in ``tz_name`` ("03/10/2031 10:00", "10/03/2031 10:00").

    Explicit "H:i": the English SHORT_DATETIME_FORMAT ends in "a.m.", which doubled the full stop of
    the sentences these values end."""
    local = timezone.localtime(value, scheduling._zone(tz_name))
    return f"{date_format(local, 'SHORT_DATE_FORMAT')} {time_format(local, 'H:i')}"


def _conflicts(*, application, mediator, starts_at, ends_at, exclude_pk=None, viewer=None):
    """Messages naming each participant already busy in [starts_at, ends_at).

    A message gives the other session's times only when ``viewer`` (the user scheduling) may see
    that session (``access.sessions_visible_to``); a session they may not see — another mandate's,
    of the same CEO, mediator or candidate — only makes the participant "not available at that
    time", with nothing about it (time, candidate, mandate). ``viewer=None`` (admin forms: staff;
    commands) sees every session."""
    overlapping = WorkingSession.objects.filter(
        ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).select_related("application__candidate", "application__mandate", "mediator")
    if exclude_pk:
        overlapping = overlapping.exclude(pk=exclude_pk)
    ceo_id, candidate_id = application.mandate.ceo_id, application.candidate_id
    overlapping = overlapping.filter(
        Q(application__mandate__ceo_id=ceo_id)
        | Q(mediator=mediator)
        | Q(application__candidate_id=candidate_id)
    )
    overlapping = list(overlapping)
    hidden = set()
    if viewer is not None and overlapping:
        visible = access.sessions_visible_to(viewer).filter(pk__in=[o.pk for o in overlapping])
        hidden = {o.pk for o in overlapping} - set(visible.values_list("pk", flat=True))
    messages = []
    for other in overlapping:
        busy = []
        if other.application.mandate.ceo_id == ceo_id:
            busy.append("ceo")
        if other.mediator_id == mediator.pk:
            busy.append("mediator")
        if other.application.candidate_id == candidate_id:
            busy.append("candidate")
        if other.pk in hidden:
            messages.extend(_unavailable(who) for who in busy)
            continue
        when = {
            "start": _local(other.starts_at, other.timezone),
            "end": _local(other.ends_at, other.timezone),
        }
        for who in busy:
            if who == "ceo":
                messages.append(_("The CEO already has a working session from %(start)s to %(end)s.") % when)
            elif who == "mediator":
                messages.append(
                    _("The mediator already observes a working session from %(start)s to %(end)s.") % when
                )
            else:
                messages.append(
                    _("The candidate already has a working session from %(start)s to %(end)s.") % when
                )
    return list(dict.fromkeys(messages))


def _unavailable(who):
    """The conflict message for a session the scheduling user may not see: who is busy, no more."""
    if who == "ceo":
        return _("The CEO is not available at that time.")
    if who == "mediator":
        return _("The mediator is not available at that time.")
    return _("The candidate is not available at that time.")


def _check_slot(
    *, application, mediator, starts_at, ends_at, exclude_pk=None, check_window=True, viewer=None
):
    """The rules shared by schedule and reschedule (hence the admin): a valid interval, a start
    within the plausible window around now (``out_of_range``: 366 days back, 731 ahead), nobody busy.
    ``check_window=False`` when a reschedule keeps the start (an old planned session can still move
    its end or place). ``viewer``: who schedules (what the conflict messages may name, see
    :func:`_conflicts`)."""
    scheduling.check_interval(starts_at, ends_at)
    if check_window:
        scheduling.check_window(starts_at, timezone.now())
    messages = _conflicts(
        application=application,
        mediator=mediator,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_pk=exclude_pk,
        viewer=viewer,
    )
    if messages:
        # One error per busy participant, each keeping the code (a list passed with ``code=`` loses it).
        raise ValidationError([ValidationError(m, code="overlap") for m in messages])


def _notify(session, kind):
    """Write the participants' invitation (``kind`` "request") or cancellation ("cancel") e-mails
    in the current transaction; the outbox sends them once it commits."""
    email_enqueue(emails.invitation_messages(_for_mail(session), kind))


def _for_mail(session):
    """``session`` reloaded with what the e-mails read (participants and their profiles)."""
    return WorkingSession.objects.select_related(
        "application__candidate",
        "application__mandate__company",
        "application__mandate__ceo__profile",
        "mediator__profile",
    ).get(pk=session.pk)


def _schedule_static_rules(*, application, starts_at, ends_at, mediator, tz_name):
    """The rules that need no lock: open application, mediator of the mandate, known zone, interval."""
    if application.is_closed:
        raise ValidationError(_("This application is closed."), code="closed")
    if not application.mandate.mediators.filter(pk=mediator.pk).exists():
        raise ValidationError({"mediator": _("Choose a mediator of this mandate.")})
    if mediator.pk == application.mandate.ceo_id:
        # The CEO is a party to the session: observing it would also unseal the notes before their
        # own debrief (``cso_recruit.access.observation_visible``).
        raise ValidationError({"mediator": _("The mandate's CEO cannot observe their own session.")})
    scheduling._zone(tz_name)  # an unknown zone would break every later display and .ics
    scheduling.check_interval(starts_at, ends_at)


def _schedule_busy_rules(*, application, starts_at, ends_at, mediator, viewer=None) -> int:
    """The rules that read other sessions (run under the locks by the service): at most four
    non-cancelled sessions, nobody busy. Returns the order number the new session gets."""
    active = list(
        WorkingSession.objects.filter(ACTIVE, application=application).values_list("order", flat=True)
    )
    if len(active) >= scheduling.MAX_ACTIVE_SESSIONS:
        raise ValidationError(
            _(
                "This application already has %(n)d working sessions planned or held; "
                "cancel one before scheduling another."
            )
            % {"n": len(active)},
            code="too_many",
        )
    _check_slot(
        application=application, mediator=mediator, starts_at=starts_at, ends_at=ends_at, viewer=viewer
    )
    return min(n for n in range(1, scheduling.MAX_ACTIVE_SESSIONS + 1) if n not in active)


def _load_application(application):
    return Application.objects.select_related("mandate", "candidate").get(pk=application.pk)


def session_check_schedule(
    *, application, starts_at, ends_at, mediator, tz_name=scheduling.DEFAULT_TIMEZONE
) -> int:
    """Check only (no lock, no write): the rules :func:`session_schedule` applies, so a form (the
    admin's) can show a refusal as a form error before saving. Returns the order number the session
    would get; raises the same ``ValidationError`` as the service.

    Advisory: :func:`session_schedule` runs the same rules again under its locks, and its answer is
    the one that counts (another request may take the slot in between).
    """
    application = _load_application(application)
    _schedule_static_rules(
        application=application, starts_at=starts_at, ends_at=ends_at, mediator=mediator, tz_name=tz_name
    )
    return _schedule_busy_rules(
        application=application, starts_at=starts_at, ends_at=ends_at, mediator=mediator
    )


@transaction.atomic
def session_schedule(
    *, application, starts_at, ends_at, mediator, problem, location, by, tz_name=scheduling.DEFAULT_TIMEZONE
) -> WorkingSession:
    """Schedule a working session (aware ``starts_at``/``ends_at``; ``tz_name`` = the zone it was
    entered in, used for display and the calendar). Returns the session.

    Raises ``ValidationError``: closed application, mediator not on the mandate, end ≤ start or
    longer than 8 h, a start out of range (code ``out_of_range``), a fifth non-cancelled session, or any participant busy (each conflict named; with the other session's times only if ``by`` may see it).
    On commit, the .ics invitation is e-mailed to the CEO, the mediator and the candidate; with
    the first session, the candidate also gets the assessment notice (``notices``).
    """
    application = _load_application(application)
    _schedule_static_rules(
        application=application, starts_at=starts_at, ends_at=ends_at, mediator=mediator, tz_name=tz_name
    )
    _lock_participants(application, mediator)
    order = _schedule_busy_rules(
        application=application, starts_at=starts_at, ends_at=ends_at, mediator=mediator, viewer=by
    )
    session = WorkingSession(
        application=application,
        order=order,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=tz_name,
        location=location.strip(),
        problem=problem.strip(),
        mediator=mediator,
        created_by=by,
    )
    session._history_user = by
    session.full_clean()
    session.save()
    _notify(session, "request")
    notices.notice_send_before_first_session(application=application)  # told before being assessed
    figures_inputs_changed(application_ids=[session.application_id])
    return session


def _load_session(session, *, lock=False):
    qs = WorkingSession.objects.select_related("application__mandate", "application__candidate", "mediator")
    return (qs.select_for_update() if lock else qs).get(pk=session.pk)


def _locked_session(session):
    return _load_session(session, lock=True)


def _require_planned(session, message):
    if session.status != WorkingSession.Status.PLANNED:
        raise ValidationError(message, code="not_planned")


def _reschedule_rules(*, session, starts_at, ends_at, tz_name, viewer=None):
    if tz_name is not None:
        scheduling._zone(tz_name)
    _check_slot(
        application=session.application,
        mediator=session.mediator,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_pk=session.pk,
        check_window=starts_at != session.starts_at,
        viewer=viewer,
    )


def session_check_reschedule(*, session, starts_at, ends_at, tz_name=None) -> None:
    """Check only (no lock, no write) the rules of :func:`session_reschedule`; raises the same
    ``ValidationError``. Advisory, like :func:`session_check_schedule`."""
    session = _load_session(session)
    _require_planned(session, _("Only a planned session can be rescheduled."))
    _reschedule_rules(session=session, starts_at=starts_at, ends_at=ends_at, tz_name=tz_name)


@transaction.atomic
def session_reschedule(
    *, session, starts_at, ends_at, by, reason="", location=None, tz_name=None
) -> WorkingSession:
    """Move a planned session; the calendar SEQUENCE grows and participants get the update.
    ``tz_name``: the zone the new times were entered in (kept for display), unchanged if None.
    Reminders already sent for the old start are forgotten, so the new start gets its own.

    Raises ``ValidationError`` if the session is not planned, or the new slot breaks a rule.
    """
    session = _locked_session(session)
    _require_planned(session, _("Only a planned session can be rescheduled."))
    _lock_participants(session.application, session.mediator)
    _reschedule_rules(session=session, starts_at=starts_at, ends_at=ends_at, tz_name=tz_name, viewer=by)
    if starts_at != session.starts_at:
        SessionReminder.objects.filter(session=session).delete()
    session.starts_at, session.ends_at = starts_at, ends_at
    if tz_name is not None:
        session.timezone = tz_name
    if location is not None:
        session.location = location.strip()
    session.sequence += 1
    session.status_reason = (reason or "").strip()
    session._history_user = by
    session.full_clean()
    session.save()
    _notify(session, "request")
    figures_inputs_changed(application_ids=[session.application_id])
    return session


def _cancel_rules(*, session, reason):
    _require_planned(session, _("Only a planned session can be cancelled."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the session is cancelled.")})


def session_check_cancel(*, session, reason) -> None:
    """Check only the rules of :func:`session_cancel` (planned, a reason); raises the same
    ``ValidationError`` (the missing reason under the ``reason`` key)."""
    _cancel_rules(session=_load_session(session), reason=reason)


@transaction.atomic
def session_cancel(*, session, by, reason) -> WorkingSession:
    """Cancel a planned session (a reason is required); participants get a CANCEL invitation."""
    session = _locked_session(session)
    _cancel_rules(session=session, reason=reason)
    session.status = WorkingSession.Status.CANCELLED
    session.status_reason = reason.strip()
    session.sequence += 1
    session._history_user = by
    session.save()
    _notify(session, "cancel")
    figures_inputs_changed(application_ids=[session.application_id])
    return session


def _status_rules(*, session, status, now):
    if status not in (WorkingSession.Status.HELD, WorkingSession.Status.NO_SHOW):
        raise ValidationError(_("Choose held or no-show."), code="status")
    if session.status not in (
        WorkingSession.Status.PLANNED,
        WorkingSession.Status.HELD,
        WorkingSession.Status.NO_SHOW,
    ):
        raise ValidationError(_("A cancelled session cannot change status."), code="cancelled")
    if session.starts_at > now:
        raise ValidationError(_("The session has not started yet."), code="future")
    if status == WorkingSession.Status.HELD and session.status != status:
        notices.require_acknowledged(session)  # L.1221-8: informed of the methods beforehand
    if (
        status == WorkingSession.Status.NO_SHOW
        and Observation.objects.filter(session=session, status=Observation.Status.SUBMITTED).exists()
    ):
        # The mediator observed it: it took place, and no-show would silently drop it from the verdict.
        raise ValidationError(
            _("This session has a submitted observation: it took place and cannot be marked no-show."),
            code="observed",
        )


def session_check_status(*, session, status, now=None) -> None:
    """Check only the rules of :func:`session_set_status`; raises the same ``ValidationError``."""
    _status_rules(session=_load_session(session), status=status, now=now or timezone.now())


@transaction.atomic
def session_set_status(*, session, status, by, now=None) -> WorkingSession:
    """Mark a planned session held or no-show once it has started. Marking it held sends the
    candidate their debrief link (on commit). A session with a submitted observation cannot become
    no-show (code ``observed``)."""
    session = _locked_session(session)
    _status_rules(session=session, status=status, now=now or timezone.now())
    previous = session.status
    session.status = status
    session._history_user = by
    session.save()
    if status == WorkingSession.Status.HELD and previous != status:
        _send_debrief_link(session)
    figures_inputs_changed(application_ids=[session.application_id])
    return session


# ---------------------------------------------------------------------------------- session plan

#: At most this many files in one session's briefing pack (each capped like a CV, 5 MB).
MAX_BRIEFING_FILES = 10


def _require_plan_open(session):
    """The plan is frozen once the session is held (and means nothing for a cancelled or no-show
    one): only a planned session's plan may change (code ``plan_frozen``)."""
    if session.status == WorkingSession.Status.HELD:
        raise ValidationError(
            _("This session is held: its plan is frozen and can no longer be changed."), code="plan_frozen"
        )
    if session.status != WorkingSession.Status.PLANNED:
        raise ValidationError(_("Only a planned session's plan can be changed."), code="plan_frozen")


@transaction.atomic
def session_plan_update(
    *, session, by, roles, criteria, briefing="", has_company_data=False
) -> WorkingSession:
    """Set the plan of a planned session: the roles it targets (``roles``: codes of
    ``assessments.models.RoleGroup``, posture included), the criteria it targets (``criteria``:
    ``Criterion`` objects or ids, all of the active framework version), the participants' briefing
    (text) and whether the briefing pack holds company data. Replaces the previous plan; history
    is kept (simple-history, the M2M included).

    Raises ``ValidationError``: ``plan_frozen`` once the session is held (or cancelled, no-show),
    ``roles`` for an unknown role code, ``criteria`` for a criterion outside the active framework.
    """
    session = _locked_session(session)
    _require_plan_open(session)
    known = [group.value for group in RoleGroup]
    roles = list(dict.fromkeys(roles or []))
    unknown = [code for code in roles if code not in known]
    if unknown:
        raise ValidationError({"roles": _("Unknown role: %(codes)s.") % {"codes": ", ".join(unknown)}})
    criterion_ids = {getattr(c, "pk", c) for c in (criteria or [])}
    framework = framework_active()
    allowed = set(framework.criteria.filter(pk__in=criterion_ids).values_list("pk", flat=True))
    if criterion_ids - allowed:
        raise ValidationError(
            {
                "criteria": _("Choose criteria of the active framework (%(framework)s).")
                % {"framework": framework}
            }
        )
    session.target_roles = [code for code in known if code in roles]  # framework order
    session.briefing = (briefing or "").strip()
    session.briefing_has_company_data = bool(has_company_data)
    session._history_user = by
    session.full_clean()
    session.save()
    session.target_criteria.set(sorted(allowed))
    return session


def briefing_pack_checksum(file_checksums) -> str:
    """The briefing pack's SHA-256 (hex): of the lines ``"<file sha256>\n"`` of its files' own
    SHA-256 checksums sorted, so it names the pack's content whatever the upload order or file
    names; ``""`` for an empty pack. ``file_checksums``: iterable of 64-character hex strings."""
    checksums = sorted(file_checksums)
    if not checksums:
        return ""
    return hashlib.sha256("".join(f"{c}\n" for c in checksums).encode("ascii")).hexdigest()


def _refresh_pack_checksum(session, by):
    session.briefing_pack_sha256 = briefing_pack_checksum(
        BriefingFile.objects.filter(session=session).values_list("sha256", flat=True)
    )
    session._history_user = by
    session.save(update_fields=["briefing_pack_sha256", "updated_at"])


@transaction.atomic
def briefing_file_add(*, session, by, uploaded) -> BriefingFile:
    """Add one file to a planned session's briefing pack, checked like a CV
    (``candidates.services.validate_document``: ≤ 5 MB, a PDF or a .docx by its content), stored
    under a server-made name, with its size (bytes) and SHA-256; the pack's checksum
    (``WorkingSession.briefing_pack_sha256``) is recomputed.

    Raises ``ValidationError``: ``plan_frozen`` (see :func:`session_plan_update`), ``too_large``,
    ``bad_type``, ``too_many`` (more than ``MAX_BRIEFING_FILES``).
    """
    session = _locked_session(session)
    _require_plan_open(session)
    if BriefingFile.objects.filter(session=session).count() >= MAX_BRIEFING_FILES:
        raise ValidationError(
            _("A briefing pack holds at most %(n)d files.") % {"n": MAX_BRIEFING_FILES}, code="too_many"
        )
    extension = validate_document(
        uploaded,
        too_large_message=_("The file is %(size)s MB, over the %(limit)d MB limit."),
        bad_type_message=_("A briefing file must be a PDF or a Word (.docx) document."),
    )
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    item = BriefingFile(session=session, size=uploaded.size, sha256=digest.hexdigest(), uploaded_by=by)
    item.full_clean(exclude=["file", "original_name"])  # before writing: a refused row leaves no file
    item.original_name = store_document(item.file, uploaded, extension)
    item._history_user = by
    item.save()
    _refresh_pack_checksum(session, by)
    return item


@transaction.atomic
def briefing_file_delete(*, item, by) -> None:
    """Remove one file from a planned session's briefing pack; the stored file is deleted once the
    transaction commits, and the pack's checksum recomputed. Raises ``ValidationError``
    (``plan_frozen``) once the session is held."""
    session = _locked_session(item.session)
    _require_plan_open(session)
    storage, name = item.file.storage, item.file.name
    item._history_user = by
    item.delete()
    transaction.on_commit(lambda: storage.delete(name))
    _refresh_pack_checksum(session, by)


# ---------------------------------------------------------------------------------- observation


def _require_observable(session):
    """A cancelled or no-show session has nothing to observe (start and submit refuse it)."""
    if session.status == WorkingSession.Status.CANCELLED:
        raise ValidationError(_("This session is cancelled."), code="cancelled")
    if session.status == WorkingSession.Status.NO_SHOW:
        raise ValidationError(
            _(
                "This session is marked no-show: there is nothing to observe. If it did take "
                "place, mark it held first."
            ),
            code="no_show",
        )


@transaction.atomic
def observation_start(*, session, mediator) -> Observation:
    """The current observation of ``session`` (a draft is created for its mediator if none).
    Refused (``ValidationError``) to anyone but the session's mediator, and on a cancelled or
    no-show session (codes ``cancelled`` / ``no_show``)."""
    if session.mediator_id != mediator.pk:
        raise ValidationError(_("Only the session's mediator can observe it."), code="not_mediator")
    _require_observable(_load_session(session))  # as saved (the caller's object may be stale)
    observation, _created = Observation.objects.get_or_create(
        session=session, is_current=True, defaults={"mediator": mediator}
    )
    return observation


def _draft(observation, by):
    observation = Observation.objects.select_for_update().get(pk=observation.pk)
    if observation.mediator_id != by.pk:
        raise ValidationError(
            _("Only the session's mediator can change this observation."), code="not_mediator"
        )
    if observation.is_submitted:
        raise ValidationError(
            _("This observation is submitted and locked; open a revision with a reason."), code="immutable"
        )
    return observation


@transaction.atomic
def observation_tally(*, observation, party, category, delta, by) -> int:
    """Add ``delta`` (+1 or −1) to one IPA category of one party; returns the new count (never < 0).

    Safe under rapid clicks: the row is updated with an ``F()`` expression under a lock.
    """
    _draft(observation, by)
    if party not in ipa.PARTIES or category not in ipa.IPA_CODES or delta not in (1, -1):
        raise ValidationError(_("Unknown party, category or step."), code="tally")
    tally, _created = IpaTally.objects.select_for_update().get_or_create(
        observation=observation, party=party, category=category
    )
    if delta < 0 and tally.count == 0:
        return 0
    IpaTally.objects.filter(pk=tally.pk).update(count=F("count") + delta)
    tally.refresh_from_db(fields=["count"])
    return tally.count


def _check_dimension_ratings(ratings):
    cleaned = {}
    for code, value in (ratings or {}).items():
        if code not in ipa.DIMENSION_CODES:
            raise ValidationError(_("Unknown dimension “%(code)s”.") % {"code": code}, code="dimension")
        if value in (None, ""):
            continue
        value = int(value)
        if not ipa.RATING_MIN <= value <= ipa.RATING_MAX:
            raise ValidationError(_("Ratings go from 1 to 5."), code="rating")
        cleaned[code] = value
    return cleaned


@transaction.atomic
def observation_save(
    *, observation, by, ratings=None, verdict=None, confidence=None, synthesis=None, punctuation=None
):
    """Autosave a draft: only the given fields change (``punctuation``: the mediator's account of
    what started the main disagreement and how it ended). Raises ``ValidationError`` once submitted."""
    observation = _draft(observation, by)
    if ratings is not None:
        observation.ratings = {**observation.ratings, **_check_dimension_ratings(ratings)}
        for code, value in ratings.items():
            if value in (None, ""):
                observation.ratings.pop(code, None)
    if verdict is not None:
        observation.verdict = verdict
    if confidence is not None:
        observation.confidence = confidence or None
    if synthesis is not None:
        observation.synthesis = synthesis
    if punctuation is not None:
        observation.punctuation = punctuation.strip()
    observation.full_clean()
    observation.save()
    return observation


@transaction.atomic
def incident_add(*, observation, by, minute, who, behaviour, interpretation="", tag="other"):
    """Record a critical incident: what was observed, and the interpretation kept apart."""
    observation = _draft(observation, by)
    incident = CriticalIncident(
        observation=observation,
        minute=minute,
        who=who,
        behaviour=behaviour.strip(),
        interpretation=(interpretation or "").strip(),
        tag=tag,
    )
    incident.full_clean()
    incident.save()
    return incident


@transaction.atomic
def incident_delete(*, incident, by):
    _draft(incident.observation, by)
    incident.delete()


@transaction.atomic
def observation_submit(*, observation, by, now=None) -> Observation:
    """Submit and lock the observation. Needs every dimension rated, a verdict and a confidence,
    and a session that has started and is neither cancelled nor no-show (``ValidationError`` code
    ``cancelled`` / ``no_show``); a planned session is marked held."""
    observation = _draft(observation, by)
    problems = []
    missing = [i18n.label(d) for d in ipa.DIMENSIONS if d.code not in observation.ratings]
    if missing:
        problems.append(_("Rate every dimension (missing: %(dims)s).") % {"dims": ", ".join(missing)})
    if not observation.verdict:
        problems.append(_("Give the session verdict."))
    if not observation.confidence:
        problems.append(_("Give your confidence in the verdict (1 to 5)."))
    session = _locked_session(observation.session)
    _require_observable(session)
    if session.starts_at > (now or timezone.now()):
        problems.append(_("The session has not started yet."))
    if session.status == WorkingSession.Status.PLANNED:
        try:
            notices.require_acknowledged(session)
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ValidationError(problems, code="incomplete")
    observation.status = Observation.Status.SUBMITTED
    observation.submitted_at = now or timezone.now()
    observation.save()
    if session.status == WorkingSession.Status.PLANNED:
        session_set_status(session=session, status=WorkingSession.Status.HELD, by=by, now=now)  # refreshes
    else:
        figures_inputs_changed(application_ids=[session.application_id])
    return observation


@transaction.atomic
def observation_revise(*, observation, by, reason) -> Observation:
    """Open a new draft revision of a submitted observation (reason required); the submitted one
    is kept unchanged. Tallies and incidents are copied."""
    revision = revisions.revise(
        observation,
        by=by,
        reason=reason,
        owner_code="not_mediator",
        messages={
            "not_owner": _("Only the session's mediator can revise this observation."),
            "not_submitted": _("Only the current submitted observation can be revised."),
            "reason": _("Say why the observation is revised."),
        },
    )
    figures_inputs_changed(application_ids=[revision.session.application_id])
    return revision


# ---------------------------------------------------------------------------------- debriefs


def _check_debrief_ratings(ratings):
    cleaned = _check_dimension_ratings(ratings)
    if len(cleaned) != len(ipa.DIMENSIONS):
        raise ValidationError(_("Rate every dimension."), code="incomplete")
    return cleaned


@transaction.atomic
def debrief_submit_ceo(*, session, by, ratings, comment="", punctuation="") -> Debrief:
    """The CEO's debrief of a held session (once), with her account of what started the main
    disagreement and how it ended (``punctuation``). Unseals the mediator's observation for them."""
    session = _locked_session(session)
    if session.application.mandate.ceo_id != by.pk:
        raise ValidationError(_("Only the mandate's CEO can give this debrief."), code="not_ceo")
    if session.status != WorkingSession.Status.HELD:
        raise ValidationError(_("A debrief is given after a held session."), code="not_held")
    if Debrief.objects.filter(session=session, party=ipa.CEO).exists():
        raise ValidationError(_("Your debrief of this session is already recorded."), code="duplicate")
    debrief = Debrief.objects.create(
        session=session,
        party=ipa.CEO,
        ratings=_check_debrief_ratings(ratings),
        comment=(comment or "").strip(),
        punctuation=(punctuation or "").strip(),
    )
    figures_inputs_changed(application_ids=[session.application_id])  # perception gaps; unsealed for the CEO
    return debrief


def debrief_invitation_create(*, session) -> str:
    """A new signed, expiring (14 days), single-use token for the candidate's debrief of ``session``."""
    return _debrief_invitation(session)[1]


def _debrief_invitation(session):
    invitation = DebriefInvitation.objects.create(session=session)
    return invitation, signing.dumps({"n": invitation.nonce}, salt=DEBRIEF_SALT, compress=True)


def _send_debrief_link(session):
    """Write the candidate's debrief-link e-mail (a new single-use token) in the current
    transaction; the outbox sends it once it commits."""
    invitation, token = _debrief_invitation(session)
    email_enqueue([emails.debrief_link_message(_for_mail(session), token=token, invitation_id=invitation.pk)])


class DebriefLinkError(Exception):
    """The candidate's link is tampered, expired or already used (``reason``: bad, expired, used)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def debrief_invitation_check(token) -> DebriefInvitation:
    """The invitation behind ``token``; raises ``DebriefLinkError`` if bad, expired or used."""
    try:
        payload = signing.loads(token, salt=DEBRIEF_SALT, max_age=DEBRIEF_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise DebriefLinkError("expired") from exc
    except signing.BadSignature as exc:
        raise DebriefLinkError("bad") from exc
    invitation = (
        DebriefInvitation.objects.select_related("session__application__candidate")
        .filter(nonce=payload.get("n"))
        .first()
        if isinstance(payload, dict)
        else None
    )
    if invitation is None:
        raise DebriefLinkError("bad")
    if invitation.used_at or Debrief.objects.filter(session=invitation.session, party=ipa.CANDIDATE).exists():
        raise DebriefLinkError("used")
    return invitation


@transaction.atomic
def debrief_submit_candidate(*, token, ratings, comment="", punctuation="") -> Debrief:
    """The candidate's debrief through their signed link; the link is spent in the same transaction.

    Raises ``DebriefLinkError`` (bad/expired/used) or ``ValidationError`` (ratings; code ``not_held``
    when the session is not held — planned, cancelled or no-show —, the link then stays unspent).
    """
    invitation = debrief_invitation_check(token)
    invitation = DebriefInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at:
        raise DebriefLinkError("used")
    if _locked_session(invitation.session).status != WorkingSession.Status.HELD:
        raise ValidationError(_("A debrief is given after a held session."), code="not_held")
    cleaned = _check_debrief_ratings(ratings)
    try:
        with transaction.atomic():
            debrief = Debrief.objects.create(
                session=invitation.session,
                party=ipa.CANDIDATE,
                ratings=cleaned,
                comment=(comment or "").strip(),
                punctuation=(punctuation or "").strip(),
            )
    except IntegrityError as exc:
        raise DebriefLinkError("used") from exc
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    figures_inputs_changed(application_ids=[invitation.session.application_id])
    return debrief


def participants(session):
    """``[(role, name, e-mail)]`` of the session: CEO, mediator, candidate."""
    ceo = session.application.mandate.ceo
    candidate = session.application.candidate
    return [
        ("ceo", ceo.get_full_name() or ceo.username, ceo.email),
        ("mediator", session.mediator.get_full_name() or session.mediator.username, session.mediator.email),
        ("candidate", candidate.full_name, candidate.email),
    ]
