"""Reads of the start kit: the kit page, the CSO's page, the to-do items, predicted versus
observed compatibility (formula in ``onboarding.evidence``)."""

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Stage
from cso_recruit import access
from figures.models import ApplicationFigures
from sessions import ipa
from sessions.todo import ExtraTodoItem

from . import evidence, services
from .models import MILESTONES, CharterSignOff, CheckIn, Party, StartKit


def _kits(qs):
    return qs.select_related(
        "application__candidate", "application__mandate__company", "application__mandate__ceo", "charter"
    ).prefetch_related(
        "plan_lines",
        "check_ins",
        Prefetch("charter__sign_offs", queryset=CharterSignOff.objects.order_by("signed_at", "pk")),
    )


def kit_for(*, application_pk, user) -> StartKit:
    """The kit of application ``application_pk`` if ``user`` may read it; ``Http404`` otherwise
    (no kit and out of scope look the same). Four queries."""
    return access.get_visible_or_404(_kits(access.start_kits_visible_to(user)), application_id=application_pk)


def kit_by_pk(*, pk, user) -> StartKit:
    """The kit ``pk`` if ``user`` may read it; ``Http404`` otherwise."""
    return access.get_visible_or_404(_kits(access.start_kits_visible_to(user)), pk=pk)


def kit_loaded(kit: StartKit) -> StartKit:
    """``kit`` reloaded with what its pages read (the CSO's page)."""
    return _kits(StartKit.objects.all()).get(pk=kit.pk)


def dimension_rows(language: str) -> list[dict]:
    """``[{"code", "label", "anchors": [(level, text)]}]`` of the communication dimensions in
    ``language``: the check-in form's rows."""
    english = language.startswith("en")
    return [
        {
            "code": d.code,
            "label": d.label_en if english else d.label_fr,
            "anchors": [(a.level, a.text_en if english else a.text_fr) for a in d.anchors],
        }
        for d in ipa.DIMENSIONS
    ]


@dataclass(frozen=True)
class MilestoneState:
    """One check-in milestone of a kit: ``milestone`` (30/90), ``due`` and ``opens`` (dates),
    ``is_open`` (today ≥ opens), ``given`` ``{party: CheckIn}`` and ``observed`` (the observed
    compatibility of what was given, ``evidence.observed_index``)."""

    milestone: int
    due: object
    opens: object
    is_open: bool
    given: dict
    observed: float | None

    @property
    def ceo(self):
        return self.given.get(Party.CEO)

    @property
    def prefix(self) -> str:
        """A prefix for the ids of this milestone's form fields (``"d30-"``)."""
        return f"d{self.milestone}-"

    @property
    def cso(self):
        return self.given.get(Party.CSO)


def milestones(kit: StartKit, *, today=None) -> list[MilestoneState]:
    """The two check-ins of ``kit`` (its ``check_ins`` prefetched: no query)."""
    today = today or timezone.localdate()
    states = []
    for milestone in MILESTONES:
        given = {c.party: c for c in kit.check_ins.all() if c.milestone == milestone}
        opens = services.check_in_opens(kit, milestone)
        states.append(
            MilestoneState(
                milestone=milestone,
                due=services.check_in_due(kit, milestone),
                opens=opens,
                is_open=today >= opens,
                given=given,
                observed=evidence.observed_index({p: c.ratings for p, c in given.items()}),
            )
        )
    return states


def charter_state(kit: StartKit) -> dict:
    """``{"charter", "sha256", "live": {party: sign-off}, "voided": [sign-offs], "signed_by_both",
    "rows": [(party label, live sign-off or None)]}`` (sign-offs prefetched: no query)."""
    charter = kit.charter
    sign_offs = list(charter.sign_offs.all())
    live = {s.party: s for s in sign_offs if s.is_live}
    return {
        "charter": charter,
        "sha256": services.charter_sha256(charter),
        "live": live,
        "voided": [s for s in sign_offs if not s.is_live],
        "signed_by_both": set(live) == {Party.CEO, Party.CSO},
        "rows": [(label, live.get(code)) for code, label in Party.choices],
    }


def observed_for(kit: StartKit) -> tuple[int | None, float | None]:
    """``(milestone, observed compatibility)`` of the latest check-in milestone with something
    given (90 before 30), ``(None, None)`` without any. ``check_ins`` prefetched."""
    for state in reversed(milestones(kit)):
        if state.observed is not None:
            return state.milestone, state.observed
    return None, None


# ------------------------------------------------------------------------------------ to do


def todo_items(user, now) -> list[ExtraTodoItem]:
    """The check-ins ``user`` owes as the CEO of a mandate: each milestone open (from
    ``services.check_in_opens``) that they have not given, of hired applications; due at the start
    of the due day (site zone), overdue from then. Registered with ``sessions.todo.todo_source_register``.
    Two queries."""
    if not (user and user.is_authenticated):
        return []
    today = timezone.localdate(now)
    kits = (
        StartKit.objects.filter(application__mandate__ceo=user, application__stage=Stage.HIRED)
        .select_related("application__candidate", "application__mandate__company")
        .prefetch_related(Prefetch("check_ins", queryset=CheckIn.objects.filter(party=Party.CEO)))
    )
    items = []
    for kit in kits:
        done = {c.milestone for c in kit.check_ins.all()}
        for milestone in MILESTONES:
            if milestone in done or today < services.check_in_opens(kit, milestone):
                continue
            due = timezone.make_aware(datetime.combine(services.check_in_due(kit, milestone), time.min))
            items.append(
                ExtraTodoItem(
                    kind="check_in",
                    label=str(_("Your %(days)s-day check-in with the new CSO") % {"days": milestone}),
                    candidate=kit.application.candidate.full_name,
                    company=kit.application.mandate.company.name,
                    due=due,
                    url=reverse("onboarding:check_in", kwargs={"pk": kit.pk, "milestone": milestone}),
                    overdue=due <= now,
                    action=str(_("Give my check-in")),
                )
            )
    return items


# ------------------------------------------------------------------------------------ predicted vs observed


def predicted_vs_observed(*, user, mandate_slug: str = "") -> dict:
    """Predicted (sessions) versus observed (check-ins) compatibility of the hires ``user`` may
    read, per mandate and across mandates (formula: ``onboarding.evidence``).

    Predicted is the stored compatibility index in the reading the user may read
    (``access.reads_full_compatibility``: every submitted observation for recruiters and staff;
    the CEO's reading, sealed until their own debrief, for the CEO). Observed is the latest
    check-in milestone with something given. Returns ``{"mandates": [{"mandate", "rows",
    "summary"}], "overall": summary}`` where each row is ``{"kit", "candidate", "predicted",
    "observed", "milestone", "gap"}`` and each summary is ``evidence.aggregate``. Three queries
    plus one per mandate for the reading rule."""
    kits = access.start_kits_visible_to(user).select_related(
        "application__candidate", "application__mandate__company", "application__mandate__ceo"
    )
    if mandate_slug:
        kits = kits.filter(application__mandate__slug=mandate_slug)
    kits = list(
        kits.prefetch_related("check_ins").order_by(
            "application__mandate__title", "application__mandate_id", "start_date", "pk"
        )
    )
    figures = {
        row.pk: row
        for row in ApplicationFigures.objects.filter(pk__in=[k.application_id for k in kits]).only(
            "application_id", "compatibility_index", "ceo_compatibility_index"
        )
    }
    groups: dict[int, dict] = {}
    full_reading: dict[int, bool] = {}
    for kit in kits:
        mandate = kit.application.mandate
        if mandate.pk not in full_reading:
            full_reading[mandate.pk] = access.reads_full_compatibility(user, mandate)
        row = figures.get(kit.application_id)
        predicted = None
        if row is not None:
            predicted = row.compatibility_index if full_reading[mandate.pk] else row.ceo_compatibility_index
        milestone, observed = observed_for(kit)
        groups.setdefault(mandate.pk, {"mandate": mandate, "rows": []})["rows"].append(
            {
                "kit": kit,
                "candidate": kit.application.candidate.full_name,
                "predicted": predicted,
                "observed": observed,
                "milestone": milestone,
                "gap": evidence.gap(predicted, observed),
            }
        )
    mandates = list(groups.values())
    for group in mandates:
        group["summary"] = evidence.aggregate(group["rows"])
    return {"mandates": mandates, "overall": evidence.aggregate(r for g in mandates for r in g["rows"])}
