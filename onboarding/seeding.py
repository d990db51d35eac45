"""The start kit's first draft, from the evidence (``onboarding.evidence`` for the rules).

Reads, for one application: the stored figures (criteria scores, compatibility readings), the
candidate's years per domain, the sessions' coverage, and — for the charter — the counted
observations' critical incidents and the punctuation accounts of the sessions **the CEO has
debriefed** (the sealing rule of ``cso_recruit.access.observation_visible``: the charter is read
by the CEO, so it quotes no observation still sealed for them; the mediator's interpretations are
never quoted, only the observed behaviour). Texts are written in the active language.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Prefetch
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from assessments.models import RoleGroup
from candidates.models import SupportDomain
from figures.selectors import stored_row
from sessions import ipa
from sessions.models import CriticalIncident, Debrief, WorkingSession
from sessions.selectors import counted_observations, coverage_for

from . import evidence

#: Days after the start date by which each kind of line is due.
INVENTORY_DAYS = 30
CRITERION_DAYS = 90
NO_EXPERIENCE_DAYS = 60
LATE_ROLE_DAYS = 30
#: Incident tags quoted in each charter section.
DECISION_TAGS = ("decision", "trust")
DISAGREEMENT_TAGS = ("disagreement", "escalation")


@dataclass
class Seed:
    """``plan_lines``: ``PlanLine`` field dicts in plan order; ``charter``: the three sections."""

    plan_lines: list = field(default_factory=list)
    charter: dict = field(default_factory=dict)


def _dimension_label(code: str, language: str) -> str:
    dimension = ipa.DIMENSIONS_BY_CODE[code]
    return dimension.label_en if language.startswith("en") else dimension.label_fr


def _criterion_label(criterion: dict, language: str) -> str:
    labels = criterion.get("labels") or {}
    return (
        labels.get("en" if language.startswith("en") else "fr") or criterion.get("label") or criterion["code"]
    )


def plan_lines(*, application, start_date: date, figures_row, coverage: dict) -> list[dict]:
    """The 90-day plan: first the inventory and grouping of the support functions (one line per
    in-scope domain of the mandate, canonical order), then the development actions (weakest
    criteria, domains without experience, roles evidenced late)."""
    from django.utils.translation import get_language

    language = get_language() or "fr"
    mandate, candidate = application.mandate, application.candidate
    years = candidate.years_by_domain()
    domains = [d for d in SupportDomain.values if d in (mandate.support_domains or [])]
    lines = []
    for code in domains:
        lines.append(
            {
                "kind": "inventory",
                "source": "domain",
                "reference": code,
                "evidence": {"years": float(years.get(code) or 0)},
                "title": _("Inventory and group: %(domain)s") % {"domain": SupportDomain(code).label},
                "owner": _("CSO"),
                "target": _(
                    "Mapped (people, tools, procedures, service offer, internal clients) and placed in a group "
                    "of support functions."
                ),
                "due_on": start_date + timedelta(days=INVENTORY_DAYS),
            }
        )
    for criterion in evidence.weakest_criteria((figures_row.assessment or {}).get("criteria", [])):
        label = _criterion_label(criterion, language)
        lines.append(
            {
                "kind": "development",
                "source": "criterion",
                "reference": criterion["code"],
                "evidence": {"score": criterion["score"]},
                "title": _("Develop: %(criterion)s") % {"criterion": label},
                "owner": _("CSO, with the CEO"),
                "current_state": _("Score %(score)s / 5 in the assessment.")
                % {"score": _decimal(criterion["score"])},
                "target": _("A concrete case where this is seen at work, reviewed together."),
                "due_on": start_date + timedelta(days=CRITERION_DAYS),
            }
        )
    for code in evidence.domains_without_experience(domains, years):
        lines.append(
            {
                "kind": "development",
                "source": "no_experience",
                "reference": code,
                "evidence": {"years": 0},
                "title": _("First-hand experience of %(domain)s") % {"domain": SupportDomain(code).label},
                "owner": _("CSO"),
                "current_state": _("No year of experience declared in this domain."),
                "target": _("Work alongside the function's lead on a real case; name an expert to lean on."),
                "due_on": start_date + timedelta(days=NO_EXPERIENCE_DAYS),
            }
        )
    for role, first in evidence.late_roles(coverage):
        if first is None:
            state = _("Not evidenced in any working session.")
        else:
            state = _("First evidenced in session %(n)s.") % {"n": first}
        lines.append(
            {
                "kind": "development",
                "source": "late_role",
                "reference": role,
                "evidence": {"first_session": first},
                "title": _("Put to work early: %(role)s") % {"role": RoleGroup(role).label},
                "owner": _("CSO, with the CEO"),
                "current_state": state,
                "target": _("A first deliverable in this role within the first month."),
                "due_on": start_date + timedelta(days=LATE_ROLE_DAYS),
            }
        )
    return lines


def session_accounts(application) -> tuple[list[dict], list[dict]]:
    """What the charter quotes, from the sessions the CEO has debriefed: ``(incidents,
    punctuation)`` — incidents ``{"order", "minute", "who", "tag", "behaviour"}`` of their counted
    observations, in session and minute order; punctuation ``{"order", "ceo", "candidate",
    "mediator"}`` per such session. Three queries."""
    sessions = (
        WorkingSession.objects.filter(application=application, debriefs__party=ipa.CEO)
        .exclude(status=WorkingSession.Status.CANCELLED)
        .prefetch_related(
            Prefetch(
                "observations",
                to_attr="counted",
                queryset=counted_observations().prefetch_related(
                    Prefetch("incidents", queryset=CriticalIncident.objects.order_by("minute", "pk"))
                ),
            ),
            Prefetch("debriefs", queryset=Debrief.objects.all(), to_attr="given"),
        )
        .order_by("order", "pk")
        .distinct()
    )
    incidents, punctuation = [], []
    for session in sessions:
        observation = session.counted[0] if session.counted else None
        debriefs = {d.party: d.punctuation for d in session.given}
        punctuation.append(
            {
                "order": session.order,
                "ceo": debriefs.get(ipa.CEO, ""),
                "candidate": debriefs.get(ipa.CANDIDATE, ""),
                "mediator": observation.punctuation if observation else "",
            }
        )
        for incident in observation.incidents.all() if observation else ():
            incidents.append(
                {
                    "order": session.order,
                    "minute": incident.minute,
                    "who": incident.who,
                    "tag": incident.tag,
                    "behaviour": incident.behaviour,
                }
            )
    return incidents, punctuation


def _who(code: str) -> str:
    return {"ceo": _("CEO"), "candidate": _("CSO"), "both": _("both")}.get(code, code)


def _incident_lines(incidents, tags) -> list[str]:
    return [
        "- "
        + _("Session %(n)s, minute %(minute)s (%(who)s): %(behaviour)s")
        % {"n": i["order"], "minute": i["minute"], "who": _who(i["who"]), "behaviour": i["behaviour"]}
        for i in incidents
        if i["tag"] in tags
    ]


def charter_sections(*, incidents, punctuation, gap_means) -> dict:
    """The charter's first draft: a base text per section, then what the sessions showed —
    decision and trust incidents under decision rights, disagreement and escalation incidents and
    the punctuation mismatches under disagreement, the perception splits under the cadence."""
    from django.utils.translation import get_language

    language = get_language() or "fr"
    splits = evidence.perception_splits(gap_means, ipa.DIMENSION_CODES)
    decision = [
        _("Who decides what, and who is told:"),
        "- "
        + _(
            "The CSO decides alone within the support budget and the agreed service catalogue, and tells the CEO at the weekly meeting."
        ),
        "- "
        + _(
            "The CEO and the CSO decide together on reorganisations, new service offers and any commitment beyond the budget."
        ),
        "- "
        + _(
            "The CEO decides on the company's strategy after hearing the CSO's analysis (facts, figures, SWOT)."
        ),
    ]
    quoted = _incident_lines(incidents, DECISION_TAGS)
    shared = next((s for s in splits if s["code"] == "shared_decision"), None)
    if quoted or shared:
        decision.append("")
        decision.append(_("What the working sessions showed:"))
        decision.extend(quoted)
    if shared:
        decision.append("- " + _split_line(shared, language))
    disagreement = [
        _("How we handle a disagreement:"),
        "- "
        + _(
            "Either of us says so openly, with the facts, at the time or at the next weekly meeting at the latest."
        ),
        "- " + _("Each restates the other's position before answering it."),
        "- "
        + _(
            "A point we cannot settle is written down with a date; if we still disagree then, the CEO settles it and says why."
        ),
    ]
    quoted = _incident_lines(incidents, DISAGREEMENT_TAGS)
    mismatches = evidence.punctuation_mismatches(punctuation)
    if quoted or mismatches:
        disagreement.append("")
        disagreement.append(_("What the working sessions showed:"))
        disagreement.extend(quoted)
        for m in mismatches:
            disagreement.append(
                "- "
                + _(
                    "Session %(n)s, what started the main disagreement — the CEO: “%(ceo)s”; the CSO: “%(cso)s”."
                )
                % {"n": m["order"], "ceo": m["ceo"], "cso": m["candidate"]}
            )
        if mismatches:
            disagreement.append(
                "- "
                + _("We saw the start of the same disagreement differently: we name it aloud when it starts.")
            )
    cadence = [
        _("When we meet:"),
        "- " + _("Every week: one hour, the CEO and the CSO, on the 90-day plan."),
        "- " + _("Every month: the support functions' service offer and the internal clients' satisfaction."),
        "- "
        + _(
            "At 30 and 90 days: a check-in on how we work together (we both re-rate the communication dimensions)."
        ),
    ]
    if splits:
        cadence.append("")
        cadence.append(_("To talk about explicitly at the weekly meeting:"))
        cadence.extend("- " + _split_line(s, language) for s in splits)
    return {
        "decision_rights": "\n".join(decision),
        "disagreement": "\n".join(disagreement),
        "cadence": "\n".join(cadence),
    }


def _decimal(value: float) -> str:
    """``value`` with one decimal, in the active language's notation (``3,7`` in French)."""
    return number_format(round(value, 1), decimal_pos=1, use_l10n=True)


def _signed(value: float) -> str:
    """``value`` with its sign and one decimal, in the active language's notation (``+1,0``)."""
    text = _decimal(value)
    return text if text.startswith("-") else f"+{text}"


def _split_line(split: dict, language: str) -> str:
    return _(
        "%(dimension)s: in the sessions the CEO's ratings stood %(ceo)s points from the mediator's, the CSO's %(cso)s."
    ) % {
        "dimension": _dimension_label(split["code"], language),
        "ceo": _signed(split["ceo"]),
        "cso": _signed(split["candidate"]),
    }


def seed(*, application, start_date: date) -> Seed:
    """The :class:`Seed` of ``application`` (candidate and mandate loaded) starting ``start_date``.
    A dozen queries."""
    row = stored_row(application)
    coverage = coverage_for(application=application, summary=row.assessment or None).to_dict()
    incidents, punctuation = session_accounts(application)
    gap_means = ((row.compatibility or {}).get("ceo") or {}).get("perception_gap_means")
    return Seed(
        plan_lines=plan_lines(
            application=application, start_date=start_date, figures_row=row, coverage=coverage
        ),
        charter=charter_sections(incidents=incidents, punctuation=punctuation, gap_means=gap_means),
    )
