"""The assessment notice (``models.AssessmentNotice``): what the candidate is told, before their
first working session, about how they are assessed, and the record of their acknowledgement.

Sources: Code du travail art. L.1221-8 (the candidate is informed beforehand of the recruitment
methods and techniques used), L.1221-6 (the information asked and the methods are relevant to the
post), L.1221-9 (no information about a candidate is collected by a means not brought to their
knowledge beforehand); GDPR art. 13 (what is recorded, why, who receives it, how long it is kept,
the person's rights, the right to complain to the supervisory authority — the CNIL in France).

The text is generated from the mandate (company, panel roles, the framework's criteria by role,
the sessions planned and their mediator, the retention policy in settings) in the notice's
language; :data:`TEXT_VERSION` names the wording and the SHA-256 of the text shown is stored with
the acknowledgement, so that what the candidate acknowledged can be proven later.

The link follows the debrief link's rules (``sessions.services``): signed (Django's ``signing``,
salt :data:`NOTICE_SALT`), expiring after :data:`NOTICE_MAX_AGE`, naming one notice by its nonce.
Once acknowledged, the link shows the notice and the date, read only.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from assessments.models import CompetencyFramework, RoleGroup
from candidates.models import Application
from cso_recruit import links
from outbox.services import Message, email_enqueue

from . import selectors
from .models import AssessmentNotice, WorkingSession

#: Version of the notice's wording: raised whenever the template's text changes meaning.
TEXT_VERSION = "2026-12-03"
NOTICE_SALT = "working_sessions.notice"
#: How long a notice link stays valid (the same as the debrief link's).
NOTICE_MAX_AGE = 14 * 24 * 3600


class NoticeLinkError(Exception):
    """The candidate's notice link is tampered or expired (``reason``: ``bad`` or ``expired``)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass
class NoticeContent:
    """What the notice page says, in one language: ``company``, ``post`` (mandate title),
    ``criteria`` ``[(role label, [criterion labels])]`` in framework order, ``sessions``
    ``[(number, start, [labels of the roles its plan targets])]`` of the planned or held sessions,
    ``recruiters`` (count), retention months with and without talent-pool consent, ``pack``
    (whether a session's briefing pack holds company data: the confidentiality undertaking is then
    asked) and ``pack_sha256`` (``selectors.application_plan``: the checksum of every briefing
    file of those sessions, ``""`` without any)."""

    company: str
    post: str
    criteria: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    recruiters: int = 0
    months_talent_pool: int = 0
    months_no_consent: int = 0
    consent: bool = False
    pack: bool = False
    pack_sha256: str = ""


def notice_content(application: Application, language: str) -> NoticeContent:
    """The notice of ``application`` in ``language`` ("fr" or "en"), from the mandate, its active
    competency framework and the application's sessions. A few queries, no writes."""
    mandate = application.mandate
    framework = (
        CompetencyFramework.objects.filter(is_active=True).order_by("-created_at", "-pk").first()
        if application.mandate_id
        else None
    )
    english = language.startswith("en")
    criteria = []
    if framework is not None:
        by_group: dict[str, list[str]] = {}
        for criterion in framework.criteria.order_by("order", "code"):
            by_group.setdefault(criterion.group, []).append(
                criterion.label_en if english else criterion.label_fr
            )
        with translation.override(language):
            criteria = [(str(RoleGroup(g).label), labels) for g, labels in by_group.items()]
    with translation.override(language):
        role_labels = {g.value: str(g.label) for g in RoleGroup}
    live = application.working_sessions.exclude(status=WorkingSession.Status.CANCELLED).order_by("order")
    sessions = [
        (
            s.order,
            s.starts_at,
            [role_labels[code] for code in RoleGroup.values if code in (s.target_roles or [])],
        )
        for s in live
    ]
    plan = selectors.application_plan(application=application)
    return NoticeContent(
        company=mandate.company.name,
        post=mandate.title,
        criteria=criteria,
        sessions=sessions,
        recruiters=mandate.recruiters.count(),
        months_talent_pool=settings.PRIVACY_RETENTION_MONTHS_TALENT_POOL,
        months_no_consent=settings.PRIVACY_RETENTION_MONTHS_NO_CONSENT,
        consent=application.candidate.gdpr_consent,
        pack=plan["company_data"],
        pack_sha256=plan["pack_sha256"],
    )


def notice_text(application: Application, language: str, content: NoticeContent | None = None) -> str:
    """The notice's text as shown (the HTML fragment ``sessions/_notice_text.html``), in
    ``language``: what the page shows and what :func:`text_sha256` hashes. ``content``: the
    :func:`notice_content` already read for this application and language (else it is read)."""
    content = content or notice_content(application, language)
    with translation.override(language):
        return render_to_string("sessions/_notice_text.html", {"notice": content, "language": language})


def text_sha256(text: str) -> str:
    """SHA-256 (hex) of a notice text with its markup and runs of white space reduced to single
    spaces, so that a template's indentation does not change the proof of what was read."""
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------ selectors


def notice_acknowledged(application_id: int) -> AssessmentNotice | None:
    """The application's acknowledged notice (the latest), or ``None``. One query."""
    return (
        AssessmentNotice.objects.filter(application_id=application_id, acknowledged_at__isnull=False)
        .order_by("-acknowledged_at", "-pk")
        .first()
    )


def notice_status(application: Application) -> dict:
    """``{"acknowledged": notice or None, "sent": latest notice or None}`` for the sessions page."""
    latest = application.assessment_notices.order_by("-created_at", "-pk").first()
    return {"acknowledged": notice_acknowledged(application.pk), "sent": latest}


# ------------------------------------------------------------------------------------- services


def notice_token(notice: AssessmentNotice) -> str:
    """The signed link token naming ``notice`` (``cso_recruit.links``)."""
    return links.link_token(salt=NOTICE_SALT, nonce=notice.nonce)


def notice_check(token: str) -> AssessmentNotice:
    """The notice behind ``token``; raises :class:`NoticeLinkError` if tampered or expired."""
    try:
        nonce = links.link_nonce(token, salt=NOTICE_SALT, max_age=NOTICE_MAX_AGE)
    except links.LinkError as exc:
        raise NoticeLinkError(exc.reason) from exc
    notice = (
        AssessmentNotice.objects.select_related("application__candidate", "application__mandate__company")
        .filter(nonce=nonce)
        .first()
    )
    if notice is None:
        raise NoticeLinkError("bad")
    return notice


def _notice_message(notice: AssessmentNotice) -> Message:
    candidate = notice.application.candidate
    link = settings.SITE_URL.rstrip("/") + reverse("working_sessions:notice", args=[notice_token(notice)])
    context = {"candidate": candidate, "mandate": notice.application.mandate, "link": link, "days": 14}
    with translation.override(notice.language):
        subject = " ".join(render_to_string("sessions/email/notice_subject.txt", context).split())
        body = str.__str__(render_to_string("sessions/email/notice_body.txt", context)).strip() + "\n"
        html = render_to_string(
            "email/message.html", {"subject": subject, "body": body, "language": notice.language}
        )
    return Message(
        key=f"notice:{notice.application_id}:{notice.pk}",
        to=candidate.email,
        subject=subject,
        body=body,
        html=html,
    )


@transaction.atomic
def notice_send(*, application: Application, language: str = "fr") -> AssessmentNotice:
    """Write a new notice for ``application`` in ``language`` and its e-mail (a fresh signed link)
    in the current transaction; the outbox sends it on commit. Raises ``ValidationError`` for a
    language the site does not offer. Returns the notice."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose French or English."), code="language")
    notice = AssessmentNotice.objects.create(application=application, language=language)
    email_enqueue([_notice_message(notice)])
    return notice


def notice_send_before_first_session(*, application: Application) -> AssessmentNotice | None:
    """Send the notice when a session is scheduled for an application that has none acknowledged
    nor sent yet (the first scheduling); ``None`` when nothing was sent."""
    if application.assessment_notices.exists():
        return None
    return notice_send(application=application)


@transaction.atomic
def notice_acknowledge(
    *, token: str, language: str, confidentiality: bool = False, shown_sha256: str | None = None, now=None
) -> AssessmentNotice:
    """The candidate acknowledges the notice behind ``token``, read in ``language``: the date
    (``now``, default the present), the text version, the SHA-256 of the text shown and of the
    briefing pack are stored, once (a second acknowledgement returns the first unchanged).

    ``shown_sha256``: the fingerprint of the text the page showed (the form sends it back); when
    the notice has changed since (a plan or a pack edited meanwhile) nothing is stored and
    ``ValidationError`` code ``changed`` asks to read it again — what is stored is always what was
    read. When a briefing pack holds company data the confidentiality undertaking must be
    accepted (code ``confidentiality``). Raises :class:`NoticeLinkError` for a bad or expired link."""
    notice = AssessmentNotice.objects.select_for_update().get(pk=notice_check(token).pk)
    if notice.acknowledged_at is not None:
        return notice
    language = language if language in dict(settings.LANGUAGES) else notice.language
    content = notice_content(notice.application, language)
    fingerprint = text_sha256(notice_text(notice.application, language, content))
    if shown_sha256 is not None and shown_sha256 != fingerprint:
        raise ValidationError(
            _(
                "The notice changed since you opened it (the sessions’ plan was updated): read it again below."
            ),
            code="changed",
        )
    if content.pack and not confidentiality:
        raise ValidationError(_("Accept the confidentiality undertaking to go on."), code="confidentiality")
    notice.language = language
    notice.acknowledged_at = now or timezone.now()
    notice.text_version = TEXT_VERSION
    notice.text_sha256 = fingerprint
    notice.confidentiality_accepted = bool(content.pack and confidentiality)
    notice.pack_sha256 = content.pack_sha256
    notice.full_clean()
    notice.save()
    return notice


@transaction.atomic
def notice_record_on_paper(
    *, application: Application, by, reason: str, signed_on, language: str = "fr"
) -> AssessmentNotice:
    """Record an acknowledgement the candidate gave on paper (``by``: the recruiter; ``reason``
    required: why not through the link; ``signed_on``: the date on the signed copy, today or
    earlier — the acknowledgement counts from the start of that day, in the site's time zone).
    The text version and SHA-256 are those of the notice the paper copy reproduces, in
    ``language``; it covers the current briefing pack, with the confidentiality undertaking when
    the pack holds company data. Raises ``ValidationError`` (``reason``, ``signed_on``)."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the acknowledgement was given on paper.")
    if signed_on is None or signed_on > timezone.localdate():
        errors["signed_on"] = _("Give the date on the signed copy (today at the latest).")
    if errors:
        raise ValidationError(errors)
    content = notice_content(application, language)
    notice = AssessmentNotice(
        application=application,
        language=language,
        acknowledged_at=timezone.make_aware(datetime.combine(signed_on, time.min)),
        text_version=TEXT_VERSION,
        text_sha256=text_sha256(notice_text(application, language, content)),
        pack_sha256=content.pack_sha256,
        confidentiality_accepted=content.pack,
        on_paper=True,
        paper_reason=reason,
        recorded_by=by,
    )
    notice.full_clean()
    notice.save()
    return notice


def require_acknowledged(session: WorkingSession) -> None:
    """Raise ``ValidationError`` (code ``notice``) unless the session's candidate acknowledged the
    assessment notice before the session started (L.1221-8: informed *beforehand* of the methods),
    and that acknowledgement covers the briefing pack as it stands: the same pack checksum, and
    the confidentiality undertaking when the pack holds company data (else: send the notice again)."""
    acknowledged = (
        AssessmentNotice.objects.filter(
            application_id=session.application_id,
            acknowledged_at__isnull=False,
            acknowledged_at__lte=session.starts_at,
        )
        .order_by("-acknowledged_at", "-pk")
        .first()
    )
    if acknowledged is None:
        late = notice_acknowledged(session.application_id)
        if late is not None:
            raise ValidationError(
                _(
                    "The candidate acknowledged the assessment notice on %(date)s, after this session "
                    "started: they were not informed beforehand, so it cannot count as held."
                )
                % {
                    "date": formats.date_format(
                        timezone.localtime(late.acknowledged_at), "SHORT_DATETIME_FORMAT"
                    )
                },
                code="notice",
            )
        raise ValidationError(
            _(
                "The candidate has not acknowledged the assessment notice yet: a session cannot be "
                "held before. A recruiter can record an acknowledgement given on paper."
            ),
            code="notice",
        )
    plan = selectors.application_plan(application=session.application)
    if (plan["pack_sha256"] and plan["pack_sha256"] != acknowledged.pack_sha256) or (
        plan["company_data"] and not acknowledged.confidentiality_accepted
    ):
        raise ValidationError(
            _(
                "The briefing pack changed after the candidate acknowledged the notice: send them the "
                "notice again (a new link) so that they acknowledge the pack as it is."
            ),
            code="notice",
        )
