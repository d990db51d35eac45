"""The report's data snapshot: every input of the PDF, frozen as JSON when the report is requested.

``build_snapshot`` reads the database once, at request time; ``reports.rendering`` reads nothing
but the snapshot. So the same version always says the same thing, whatever happens to ratings,
observations or the candidate's file afterwards, and a worker never needs the request.

Rules applied while building it:

* **Scores** come from the stored figures (``figures.selectors.application_summary``): full panel
  aggregates. The independence rule is enforced before: a user with an unsubmitted scorecard
  for the application can neither request nor read a report of it (``reports.services``,
  ``reports.selectors``).
* **Mandate statistics** (α, rater flags, hence the reliability and the reading) enter the snapshot
  only when the requester has no open scorecard anywhere in the mandate; otherwise the version
  says "shown once you submit your open scorecards" (``summary.mandate_statistics.visible`` false),
  like the pages.
* **Sealed observations**: the report is the CEO's document, so a mediator's observation enters it
  only when the mandate's CEO may read it (``cso_recruit.access.observation_visible``: submitted,
  and the CEO has given their own debrief of that session). Otherwise the session is listed as
  "sealed" and counts as not observed — whoever requests the report, everyone reads the same one.
* Labels that come from the database (criteria) are stored in the report's language; labels that
  come from code (roles, domains, dimensions, verdicts) are translated when rendering.
* **Decision** (schema 4): the decision meeting's standing state — the CEO's final decision, its
  rationale, the product's reading it was taken against and whether it differs (with the reason);
  the votes only once every reader may read them (meeting closed, or every panel member voted).
* **Coverage** (schema 3): the sessions × roles matrix and its warnings
  (``sessions.coverage``), from the plans of the sessions and the same stored figures as the
  scores, so the archived version keeps saying which session evidenced which role.
"""

import dataclasses
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation

from assessments.models import CompetencyFramework
from candidates.selectors import mandate_years_ceiling
from cso_recruit import access
from decisions.selectors import decision_snapshot
from figures.selectors import application_summary, viewer_for
from sessions.models import WorkingSession
from sessions.selectors import counted_observations, coverage_for

#: Bump when the snapshot's shape changes (the renderer adapts old versions). 2: per-rater
#: aggregation, posture gate, narrow band, reliability and reading stored in ``summary``.
#: 3: ``coverage`` (sessions × roles, warnings) and each session's ``plan``.
#: 4: ``decision`` (the decision meeting: final decision against the product's reading, votes and
#: dissent once visible, ``decisions.selectors.decision_snapshot``); older versions have none.
SCHEMA = 4


def _name(user):
    if user is None:
        return None
    return user.get_full_name() or user.username


def _session_records(application, ceo):
    """Every session of the application, in time order, with what the CEO may read of it."""
    sessions = (
        WorkingSession.objects.filter(application=application)
        .select_related("mediator", "application__mandate")
        .prefetch_related("debriefs", "target_criteria")
        .order_by("starts_at", "order")
    )
    records = []
    for session in sessions:
        observation = counted_observations().filter(session=session).prefetch_related("incidents").first()
        sealed = observation is not None and not access.observation_visible(ceo, observation)
        record = {
            "order": session.order,
            "status": session.status,
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
            "timezone": session.timezone,
            "location": session.location,
            "problem": session.problem,
            "mediator": _name(session.mediator),
            "plan": {
                "roles": list(session.target_roles or []),
                "criteria": sorted(c.code for c in session.target_criteria.all()),
            },
            "sealed": sealed,
            "observation": None,
            "debriefs": {
                d.party: {
                    "ratings": d.ratings,
                    "comment": d.comment,
                    "punctuation": d.punctuation,
                    "submitted_at": d.submitted_at.isoformat(),
                }
                for d in session.debriefs.all()
            },
        }
        if observation is not None and not sealed:
            record["observation"] = {
                "revision": observation.revision,
                "submitted_at": observation.submitted_at.isoformat() if observation.submitted_at else None,
                "ratings": observation.ratings,
                "verdict": observation.verdict or None,
                "confidence": observation.confidence,
                "synthesis": observation.synthesis,
                "punctuation": observation.punctuation,
                "incidents": [
                    {
                        "minute": i.minute,
                        "who": i.who,
                        "behaviour": i.behaviour,
                        "interpretation": i.interpretation,
                        "tag": i.tag,
                    }
                    for i in observation.incidents.all()
                ],
            }
        records.append(record)
    return records


def build_snapshot(*, application, version, by=None, language="fr", now=None) -> dict:
    """Freeze every input of one report version as a JSON-ready dict.

    Args:
        application: the ``Application`` (its candidate, mandate and company are read).
        version: the report version number (≥ 1) the snapshot belongs to.
        by: the requesting user, or ``None`` (command line).
        language: language code the report is written in ("fr" by default); database labels
            (criteria) are read in it.
        now: request time (aware ``datetime``), defaults to now.

    Returns:
        ``{"schema", "report": {version, language, requested_at (ISO 8601), requested_by},
        "candidate": {first_name, last_name, full_name, city, education, career_years (float | None),
        years: {domain: float}},
        "mandate": {title, slug, company, sector, city, ceo, support_domains, min_breadth,
        min_depth, years_axis_top}, "application": {id, public_id, stage, stage_entered_at, swot_opportunities,
        swot_threats}, "framework": {name, version} | None, "summary": (assessment summary, see
        ``figures.selectors.AssessmentSummary.to_dict``, with ``compatibility`` as the CEO may read
        it and the mandate statistics as the requester may read them),
        "sessions": [{order, status, starts_at, ends_at, timezone, location, problem, mediator,
        plan: {roles, criteria (codes)}, sealed, observation: {…} | None, debriefs: {party: {ratings,
        comment}}}], "coverage": ``sessions.coverage.Coverage.to_dict()`` (evidence from the same
        stored figures as ``summary``), "decision": ``decisions.selectors.decision_snapshot`` (schema
        4)}`` — only str,
        int, float, bool, None, lists and dicts (a JSON round trip returns it unchanged).
    """
    now = now or timezone.now()
    mandate = application.mandate
    candidate = application.candidate
    # The requester's statistics visibility; the CEO's reading of the sessions (the report is theirs).
    viewer = dataclasses.replace(viewer_for(by, mandate), compatibility_view="ceo")
    with translation.override(language):
        summary = application_summary(application=application, viewer=viewer).to_dict()
        coverage = coverage_for(application=application, summary=summary).to_dict()
        sessions = _session_records(application, mandate.ceo)
        framework = CompetencyFramework.objects.filter(is_active=True).order_by("-created_at", "-pk").first()
        decision = decision_snapshot(application)
    data = {
        "schema": SCHEMA,
        "report": {
            "version": version,
            "language": language,
            "requested_at": now.isoformat(),
            "requested_by": _name(by),
        },
        "candidate": {
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "full_name": candidate.full_name,
            "city": candidate.city,
            "education": candidate.education,
            "career_years": None if candidate.career_years is None else float(candidate.career_years),
            "years": {code: float(years) for code, years in candidate.years_by_domain().items()},
        },
        "mandate": {
            "title": mandate.title,
            "slug": mandate.slug,
            "company": mandate.company.name,
            "sector": mandate.company.sector,
            "city": mandate.company.city,
            "ceo": _name(mandate.ceo),
            "support_domains": list(mandate.support_domains),
            "min_breadth": mandate.min_breadth,
            "min_depth": float(mandate.min_depth),
            "years_axis_top": mandate_years_ceiling(mandate),
        },
        "application": {
            "id": application.pk,
            "public_id": str(application.public_id),
            "stage": application.stage,
            "stage_entered_at": application.stage_entered_at.isoformat(),
            "swot_opportunities": application.swot_opportunities,
            "swot_threats": application.swot_threats,
        },
        "framework": {"name": framework.name, "version": framework.version} if framework else None,
        "summary": summary,
        "sessions": sessions,
        "coverage": coverage,
        "decision": decision,
    }
    # One JSON round trip: the stored snapshot is exactly what we return (no Decimal, datetime or
    # lazy string left), and later changes to the inputs cannot reach it through shared objects.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))
