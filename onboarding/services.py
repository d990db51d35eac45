"""Writes of the start kit (issue 11): creation on hire and its seeding from the evidence, the
90-day plan, the charter (amend, sign off), the CSO's signed link, the start date, the check-ins
and their reminders.

Every write is ``@transaction.atomic``, validates with ``full_clean`` and locks the row two people
may change at once (the kit's charter, the plan line); errors are ``ValidationError`` keyed by field
where a form shows them.
"""

import hashlib
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from candidates.models import Application, Stage
from cso_recruit import links
from offers.selectors import accepted_start_date
from offers.services import check_start_date
from outbox.services import Message, email_enqueue
from sessions import ipa

from . import seeding
from .models import MILESTONES, Charter, CharterSignOff, CheckIn, CheckInReminder, Party, PlanLine, StartKit

#: Salt of the CSO's start-kit links (``cso_recruit.links``): a notice or debrief token opens no kit.
KIT_SALT = "onboarding.kit"
#: How long a start-kit link stays valid; a reminder or a new share sends a fresh one.
KIT_LINK_MAX_AGE = 30 * 24 * 3600
#: A check-in opens this many days before it falls due.
CHECK_IN_OPENS_BEFORE = timedelta(days=7)


# ------------------------------------------------------------------------------------ creation


def on_stage_moved(sender=None, *, application, from_stage, to_stage, by, **kwargs):
    """Receiver of ``cso_recruit.events.stage_moved``: an application reaching "hired" gets its
    start kit, in the move's transaction."""
    if to_stage == Stage.HIRED:
        kit_create(application=application, by=by)


@transaction.atomic
def kit_create(*, application: Application, by=None) -> StartKit:
    """The start kit of ``application``, created and seeded from the evidence if it has none
    (idempotent: one kit per application, held by the database; a second call returns the first).

    The start date is the accepted offer's (``offers.selectors.accepted_start_date``,
    ``start_date_source`` ``offer``); without one, the day of the move to "hired"
    (``stage_entered_at`` in the site's zone, source ``hired``) until :func:`kit_start_date_set`
    sets another. The plan and
    the charter are seeded by ``onboarding.seeding`` in the site's default language."""
    existing = StartKit.objects.filter(application=application).first()
    if existing is not None:
        return existing
    application = Application.objects.select_related("candidate", "mandate__company").get(pk=application.pk)
    language = settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
            offer_start = accepted_start_date(application)
            kit = StartKit(
                application=application,
                start_date=offer_start or timezone.localdate(application.stage_entered_at),
                start_date_source=StartKit.StartDateSource.OFFER
                if offer_start
                else StartKit.StartDateSource.HIRED,
                language=language,
                created_by=by,
            )
            kit.full_clean()
            kit.save()
    except IntegrityError:  # another request created it meanwhile
        return StartKit.objects.get(application=application)
    with translation.override(language):
        seed = seeding.seed(application=application, start_date=kit.start_date)
        for order, line in enumerate(seed.plan_lines):
            plan_line = PlanLine(kit=kit, order=order, **line)
            plan_line.full_clean()
            plan_line.save()
        charter = Charter(kit=kit, **seed.charter)
        charter.full_clean()
        charter.save()
    return kit


# ------------------------------------------------------------------------------------ the plan


@transaction.atomic
def plan_line_update(
    *, line: PlanLine, owner: str, current_state: str, target: str, due_on, title=None
) -> PlanLine:
    """Change one plan line (owner, current state, target, date; the title of a development action).
    The line's row is locked. Raises ``ValidationError`` (field-keyed)."""
    line = PlanLine.objects.select_for_update().get(pk=line.pk)
    line.owner = (owner or "").strip()
    line.current_state = (current_state or "").strip()
    line.target = (target or "").strip()
    line.due_on = due_on
    if title is not None and line.kind == PlanLine.Kind.DEVELOPMENT:
        line.title = title.strip()
    line.full_clean()
    line.save()
    return line


@transaction.atomic
def plan_line_add(*, kit: StartKit, title: str, owner: str = "", target: str = "", due_on=None) -> PlanLine:
    """Add a development action by hand. Raises ``ValidationError`` (``title`` required)."""
    last = kit.plan_lines.order_by("-order").values_list("order", flat=True).first()
    line = PlanLine(
        kit=kit,
        kind=PlanLine.Kind.DEVELOPMENT,
        source=PlanLine.Source.MANUAL,
        title=(title or "").strip(),
        owner=(owner or "").strip(),
        target=(target or "").strip(),
        due_on=due_on,
        order=(last or 0) + 1,
    )
    line.full_clean()
    line.save()
    return line


# ------------------------------------------------------------------------------------ the charter

CHARTER_SECTIONS = ("decision_rights", "disagreement", "cadence")


def _clean_text(text: str) -> str:
    return "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").strip().split("\n"))


def charter_text(charter: Charter) -> str:
    """The text a sign-off covers: the three sections, each under its code, line ends normalised
    (``\\n``, no trailing spaces) — what :func:`charter_sha256` hashes."""
    return "\n\n".join(f"[{name}]\n{_clean_text(getattr(charter, name))}" for name in CHARTER_SECTIONS)


def charter_sha256(charter: Charter) -> str:
    """SHA-256 (hex) of :func:`charter_text` encoded in UTF-8."""
    return hashlib.sha256(charter_text(charter).encode("utf-8")).hexdigest()


#: The longest a charter section may be, in characters (the text is hashed and printed).
CHARTER_SECTION_MAX = 8000


@transaction.atomic
def charter_amend(
    *,
    kit: StartKit,
    by_name: str,
    decision_rights: str,
    disagreement: str,
    cadence: str,
    seen_version=None,
    now=None,
) -> Charter:
    """Amend the charter (the CEO or a recruiter in the app, the CSO through the link; ``by_name``
    says who). A real change raises the version and **voids every sign-off given before** (they
    covered another text); an unchanged text changes nothing. ``seen_version``: the version the form
    showed — when someone amended it since, nothing is saved and ``ValidationError`` (code
    ``changed``) asks to read it again. Empty sections are refused (field-keyed)."""
    charter = Charter.objects.select_for_update().get(kit=kit)
    if seen_version is not None and int(seen_version) != charter.version:
        raise ValidationError(
            _("The charter was amended meanwhile (now version %(version)s): read it again below.")
            % {"version": charter.version},
            code="changed",
        )
    values = {"decision_rights": decision_rights, "disagreement": disagreement, "cadence": cadence}
    values = {name: _clean_text(value) for name, value in values.items()}
    too_long = {
        name: _("Keep this section under %(n)d characters.") % {"n": CHARTER_SECTION_MAX}
        for name, value in values.items()
        if len(value) > CHARTER_SECTION_MAX
    }
    if too_long:
        raise ValidationError(too_long, code="too_long")
    if all(values[name] == _clean_text(getattr(charter, name)) for name in CHARTER_SECTIONS):
        return charter
    for name, value in values.items():
        setattr(charter, name, value)
    charter.version += 1
    charter.amended_at = now or timezone.now()
    charter.amended_by = (by_name or "")[:150]
    charter.full_clean()
    charter.save()
    CharterSignOff.objects.filter(charter=charter, voided_at__isnull=True).update(
        voided_at=charter.amended_at
    )
    return charter


@transaction.atomic
def charter_sign(
    *, kit: StartKit, party: str, shown_sha256: str, signer_name: str, by=None, now=None
) -> CharterSignOff:
    """``party`` (``ceo``: the mandate's CEO, ``by``; ``cso``: through the signed link) signs the
    charter as it stands: who, when, the version and the SHA-256 of the text signed are recorded.

    ``shown_sha256``: the fingerprint of the text the page showed; when the charter was amended
    since, nothing is signed (``ValidationError`` code ``changed``). A second sign-off of the same
    version by the same party returns the first. Raises ``ValidationError`` code ``not_ceo`` when
    ``by`` is not the mandate's CEO."""
    charter = Charter.objects.select_for_update().select_related("kit__application__mandate").get(kit=kit)
    if party == Party.CEO and (by is None or charter.kit.application.mandate.ceo_id != by.pk):
        raise ValidationError(_("Only the mandate's CEO signs for the CEO."), code="not_ceo")
    if party not in Party.values:
        raise ValidationError(_("Unknown party."), code="party")
    fingerprint = charter_sha256(charter)
    if shown_sha256 != fingerprint:
        raise ValidationError(
            _("The charter was amended since you opened it: read it again before signing."), code="changed"
        )
    live = CharterSignOff.objects.filter(charter=charter, party=party, voided_at__isnull=True).first()
    if live is not None:
        return live
    sign_off = CharterSignOff(
        charter=charter,
        party=party,
        version=charter.version,
        text_sha256=fingerprint,
        signer_name=(signer_name or "")[:150],
        signer=by,
        signed_at=now or timezone.now(),
    )
    sign_off.full_clean()
    sign_off.save()
    return sign_off


# ------------------------------------------------------------------------------------ the CSO's link


def kit_token(kit: StartKit) -> str:
    """The signed token of the CSO's link to ``kit`` (``cso_recruit.links``, salt :data:`KIT_SALT`)."""
    return links.link_token(salt=KIT_SALT, nonce=kit.nonce)


def kit_check(token: str) -> StartKit:
    """The kit behind ``token``; raises ``cso_recruit.links.LinkError`` (``bad``: tampered, another
    kind of link or no such kit; ``expired``: older than :data:`KIT_LINK_MAX_AGE`)."""
    nonce = links.link_nonce(token, salt=KIT_SALT, max_age=KIT_LINK_MAX_AGE)
    kit = (
        StartKit.objects.select_related("application__candidate", "application__mandate__company")
        .filter(nonce=nonce)
        .first()
    )
    if kit is None:
        raise links.LinkError("bad")
    return kit


def kit_link(kit: StartKit) -> str:
    """The absolute address of the CSO's page (a fresh token), built on ``SITE_URL``."""
    return settings.SITE_URL.rstrip("/") + reverse("onboarding:cso_kit", args=[kit_token(kit)])


def _render_message(template: str, language: str, context: dict, key: str, to: str) -> Message:
    with translation.override(language):
        subject = " ".join(render_to_string(f"onboarding/email/{template}_subject.txt", context).split())
        body = str.__str__(render_to_string(f"onboarding/email/{template}_body.txt", context)).strip() + "\n"
        html = render_to_string(
            "email/message.html", {"subject": subject, "body": body, "language": language}
        )
    return Message(key=key, to=to, subject=subject, body=body, html=html)


@transaction.atomic
def kit_share(*, kit: StartKit, by=None, now=None) -> StartKit:
    """E-mail the new CSO a fresh signed link to their start kit (through the outbox, on commit) and
    record when. Each share is a new message (its key holds the time)."""
    kit = (
        StartKit.objects.select_for_update()
        .select_related("application__candidate", "application__mandate__company")
        .get(pk=kit.pk)
    )
    kit.shared_at = now or timezone.now()
    kit.save(update_fields=["shared_at"])
    candidate = kit.application.candidate
    context = {
        "candidate": candidate,
        "mandate": kit.application.mandate,
        "link": kit_link(kit),
        "days": KIT_LINK_MAX_AGE // 86400,
    }
    email_enqueue(
        [
            _render_message(
                "share",
                kit.language,
                context,
                f"kit-share:{kit.pk}:{kit.shared_at.isoformat()}",
                candidate.email,
            )
        ]
    )
    return kit


# ------------------------------------------------------------------------------------ start date


@transaction.atomic
def kit_start_date_set(
    *, kit: StartKit, start_date: date, source: str = StartKit.StartDateSource.MANUAL
) -> StartKit:
    """Set the CSO's start date (``source``: ``offer`` when it comes from the accepted offer,
    ``manual`` by hand). The check-ins fall 30 and 90 days after it; the plan's dates move by the
    same number of days. Raises ``ValidationError`` (``start_date``)."""
    kit = StartKit.objects.select_for_update().get(pk=kit.pk)
    if start_date is None:
        raise ValidationError({"start_date": _("Give the start date.")})
    check_start_date(start_date)
    if source == StartKit.StartDateSource.OFFER and start_date != accepted_start_date(kit.application):
        source = StartKit.StartDateSource.MANUAL  # only the accepted offer's own date is "from the offer"
    shift = start_date - kit.start_date
    kit.start_date = start_date
    kit.start_date_source = source
    kit.full_clean()
    kit.save(update_fields=["start_date", "start_date_source"])
    if shift:
        for line in PlanLine.objects.select_for_update().filter(kit=kit, due_on__isnull=False):
            line.due_on = line.due_on + shift
            line.save(update_fields=["due_on"])
    return kit


# ------------------------------------------------------------------------------------ check-ins


def check_in_due(kit: StartKit, milestone: int) -> date:
    """The day the ``milestone`` (30 or 90) check-in falls due: the start date + that many days."""
    return kit.start_date + timedelta(days=milestone)


def check_in_opens(kit: StartKit, milestone: int) -> date:
    """The first day the check-in may be filled in (:data:`CHECK_IN_OPENS_BEFORE` before it is due)."""
    return check_in_due(kit, milestone) - CHECK_IN_OPENS_BEFORE


def _check_ratings(ratings) -> dict:
    cleaned, errors = {}, []
    for code in ipa.DIMENSION_CODES:
        value = (ratings or {}).get(code)
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = None
        if value is None or not ipa.RATING_MIN <= value <= ipa.RATING_MAX:
            errors.append(code)
        else:
            cleaned[code] = value
    unknown = set(ratings or {}) - set(ipa.DIMENSION_CODES)
    if errors or unknown:
        raise ValidationError({"ratings": _("Rate every dimension from 1 to 5.")}, code="incomplete")
    return cleaned


@transaction.atomic
def check_in_submit(
    *, kit: StartKit, milestone: int, party: str, ratings: dict, comment: str = "", by=None, now=None
) -> CheckIn:
    """Record ``party``'s check-in at day ``milestone``: every dimension of ``sessions.ipa`` rated
    1–5 (the debriefs' scale), once. Open from :func:`check_in_opens`. The CEO's is given by the
    mandate's CEO (``by``); the CSO's through the signed link. Raises ``ValidationError``: code
    ``not_ceo``, ``milestone``, ``not_open``, ``duplicate``, or ``ratings`` (field-keyed)."""
    now = now or timezone.now()
    kit = StartKit.objects.select_for_update().select_related("application__mandate").get(pk=kit.pk)
    milestone = int(milestone)
    if milestone not in MILESTONES:
        raise ValidationError(_("A check-in is at 30 or 90 days."), code="milestone")
    if party == Party.CEO and (by is None or kit.application.mandate.ceo_id != by.pk):
        raise ValidationError(_("Only the mandate's CEO gives the CEO's check-in."), code="not_ceo")
    opens = check_in_opens(kit, milestone)
    if timezone.localdate(now) < opens:
        raise ValidationError(
            _("This check-in opens on %(date)s.") % {"date": opens.strftime("%d/%m/%Y")}, code="not_open"
        )
    if CheckIn.objects.filter(kit=kit, milestone=milestone, party=party).exists():
        raise ValidationError(_("This check-in is already recorded."), code="duplicate")
    check_in = CheckIn(
        kit=kit,
        milestone=milestone,
        party=party,
        ratings=_check_ratings(ratings),
        comment=(comment or "").strip(),
        submitted_at=now,
        submitted_by=by,
    )
    check_in.full_clean()
    check_in.save()
    return check_in


def check_in_reminders_send(*, now=None) -> int:
    """Remind, once each, the CEO and the CSO of every check-in that has fallen due (its day
    reached, in the site's zone) and that they have not given, for hired applications. The CEO's
    e-mail links to the kit's check-in page, the CSO's carries a fresh signed link. The reminder
    row and its e-mail are written in one transaction (the outbox sends on commit); the unique
    constraint makes two overlapping beats write one. Returns the number of reminders written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    earliest = today - timedelta(days=min(MILESTONES))
    kits = (
        StartKit.objects.filter(application__stage=Stage.HIRED, start_date__lte=earliest)
        .select_related(
            "application__candidate", "application__mandate__company", "application__mandate__ceo__profile"
        )
        .prefetch_related("check_ins", "reminders")
    )
    site = settings.SITE_URL.rstrip("/")
    sent = 0
    for kit in kits:
        given = {(c.milestone, c.party) for c in kit.check_ins.all()}
        reminded = {(r.milestone, r.party) for r in kit.reminders.all()}
        mandate, candidate = kit.application.mandate, kit.application.candidate
        for milestone in MILESTONES:
            if check_in_due(kit, milestone) > today:
                continue
            for party in (Party.CEO, Party.CSO):
                if (milestone, party) in given or (milestone, party) in reminded:
                    continue
                if party == Party.CEO:
                    to = mandate.ceo.email
                    language = (
                        getattr(getattr(mandate.ceo, "profile", None), "language", "")
                        or settings.LANGUAGE_CODE
                    )
                    link = site + reverse(
                        "onboarding:check_in", kwargs={"pk": kit.pk, "milestone": milestone}
                    )
                    name = mandate.ceo.get_full_name() or mandate.ceo.username
                else:
                    to, language, link, name = (
                        candidate.email,
                        kit.language,
                        kit_link(kit),
                        candidate.full_name,
                    )
                if not to:
                    continue
                context = {
                    "name": name,
                    "milestone": milestone,
                    "mandate": mandate,
                    "link": link,
                    "candidate": candidate,
                }
                try:
                    with transaction.atomic():
                        CheckInReminder.objects.create(kit=kit, milestone=milestone, party=party)
                        email_enqueue(
                            [
                                _render_message(
                                    "check_in",
                                    language,
                                    context,
                                    f"check-in:{kit.pk}:{milestone}:{party}",
                                    to,
                                )
                            ]
                        )
                except IntegrityError:
                    continue  # already reminded
                sent += 1
    return sent
