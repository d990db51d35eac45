"""Fixtures of the start-kit tests: the working-session world (``tests.sessions.conftest``: a
mandate with its CEO, recruiter and mediators, Claire Testeuse's application, another mandate) and
``evidence``: that application with planted evidence — two raters' screening scorecards, three
held and observed sessions with incidents, debriefs and punctuation — whose expected seed the
tests compute from the values planted here."""

from dataclasses import dataclass

import pytest

from assessments.models import Scorecard
from figures.services import figures_refresh
from sessions import ipa, services
from tests.factories import ScorecardFactory
from tests.sessions.conftest import _english, client, observe, ratings, world  # noqa: F401, F811 — reused

CRITERIA = [
    "cond_tools", "cond_resources", "cond_cross_dept", "cond_meaning",
    "bp_profitability", "bp_information", "bp_sparring_swot", "bp_modelling",
    "ent_service_catalogue", "ent_client_satisfaction", "ent_new_offers", "ent_change_innovation",
    "post_entrepreneurial", "post_data_process", "post_communication", "post_innovation",
]  # fmt: skip
RECRUITER_RATINGS = {
    **dict.fromkeys(CRITERIA, 4),
    "bp_modelling": 2,
    "ent_new_offers": 3,
    "cond_meaning": 3,
    "post_innovation": 5,
}
CEO_RATINGS = {**dict.fromkeys(CRITERIA, 4), "bp_modelling": 3, "ent_new_offers": 2, "cond_meaning": 4}
#: Session number → the criteria the recruiter's session scorecard rates (4 each, as in screening).
SESSION_EVIDENCE = {
    1: ["cond_tools", "post_entrepreneurial"],
    2: ["bp_information"],
    3: ["ent_service_catalogue"],
}
DOMAINS = ["finance", "hr", "legal", "it", "sales_admin", "quality"]
#: The candidate's years (CandidateFactory): finance 3, hr 3, legal 2, it 2, the rest 0.
NO_EXPERIENCE = ["sales_admin", "quality"]
DECISION_INCIDENT = "Le DG tranche seul le budget informatique."
ESCALATION_INCIDENT = "Le ton monte sur les délais de clôture."
SEALED_INCIDENT = "Désaccord sur le périmètre des achats."
LISTENING_INCIDENT = "La candidate reformule la demande."
CEO_PUNCTUATION_1 = "Le retard du reporting mensuel."
CANDIDATE_PUNCTUATION_1 = "La demande a changé en cours de séance."
SAME_PUNCTUATION_2 = "Le choix du prestataire de paie."


@dataclass
class Evidence:
    world: object
    sessions: list


def _shared_decision_high(value):
    return {**ratings(4), "shared_decision": value}


@pytest.fixture
def evidence(world):  # noqa: F811 — the imported fixture
    application = world.application
    mandate = world.mandate
    mandate.support_domains = DOMAINS
    mandate.save()
    for rater, values in ((world.recruiter, RECRUITER_RATINGS), (world.ceo, CEO_RATINGS)):
        ScorecardFactory(application=application, rater=rater, submitted=True, ratings=values)
    sessions = [world.past_session(days_ago=days) for days in (9, 6, 3)]
    incidents = {
        1: [
            {
                "minute": 12,
                "who": "ceo",
                "behaviour": DECISION_INCIDENT,
                "interpretation": "Interprétation à ne pas citer.",
                "tag": "decision",
            },
            {"minute": 20, "who": "candidate", "behaviour": LISTENING_INCIDENT, "tag": "listening"},
        ],
        2: [{"minute": 30, "who": "both", "behaviour": ESCALATION_INCIDENT, "tag": "escalation"}],
        3: [{"minute": 5, "who": "both", "behaviour": SEALED_INCIDENT, "tag": "disagreement"}],
    }
    for session in sessions:
        observe(session, values=4, incidents=incidents[session.order])
        session.refresh_from_db()
    punctuation = {
        1: (CEO_PUNCTUATION_1, CANDIDATE_PUNCTUATION_1),
        2: (SAME_PUNCTUATION_2, SAME_PUNCTUATION_2),
    }
    for session in sessions[:2]:  # the CEO never debriefed session 3: its observation stays sealed for them
        ceo_text, candidate_text = punctuation[session.order]
        services.debrief_submit_ceo(
            session=session, by=world.ceo, ratings=_shared_decision_high(5), punctuation=ceo_text
        )
        token = services.debrief_invitation_create(session=session)
        services.debrief_submit_candidate(
            token=token, ratings=_shared_decision_high(3), punctuation=candidate_text
        )
    for number, codes in SESSION_EVIDENCE.items():
        ScorecardFactory(
            application=application,
            rater=world.recruiter,
            submitted=True,
            context=Scorecard.Context.WORKING_SESSION,
            session_number=number,
            ratings=dict.fromkeys(codes, 4),
        )
    figures_refresh(application_ids=[application.pk])
    assert {s.status for s in sessions} == {"held"}
    assert ipa.DIMENSION_CODES  # the dimensions the debriefs rated
    return Evidence(world=world, sessions=sessions)
