"""Fixtures of the report and dashboard tests.

``world``: a mandate (CEO, two recruiters, a mediator, staff) whose application of the fictional
Éloïse Lœwenbrück-Ngô has three submitted scorecards, four held and observed working sessions
(mediator's observation with incidents, CEO and candidate debriefs), SWOT opportunities and
threats; plus a second mandate with its own CEO and recruiter. Everything is made through the
services, so the rules (sealing, independence) are the real ones.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from assessments.models import Scorecard
from candidates.models import Stage
from sessions import ipa
from sessions import services as session_services
from sessions.scheduling import localize
from tests.assessments.helpers import CODES, rate
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory

ACCENTED_NAME = ("Éloïse", "Lœwenbrück-Ngô")
ROLE_NAMES_FR = ("Chef d’orchestre", "Business partner", "Entrepreneur")
SYNTHESIS = (
    "Échanges francs ; la candidate reformule « si je vous suis bien… » avant de proposer, "
    "et le dirigeant s’appuie sur ses idées : cœur du sujet traité."
)
LONG_URL = "https://visio.example.org/rejoindre?jeton=" + "A1b2C3d4E5f6G7h8" * 8


def scores(conductor, partner, entrepreneur, posture=4):
    """``{criterion code: rating}`` with one level per group (16 criteria of the default framework)."""
    levels = {"cond": conductor, "bp": partner, "ent": entrepreneur, "post": posture}
    return {code: levels[code.split("_", 1)[0]] for code in CODES}


def hold_sessions(
    application,
    *,
    mediator,
    ceo,
    recruiter,
    count=4,
    levels=(3, 4, 4, 5),
    verdicts=("to_confirm", "compatible", "compatible", "compatible"),
    ceo_debrief=True,
    location=None,
    hour=9,
):
    """Schedule ``count`` past sessions, observe and submit them, and give both debriefs."""
    today = timezone.localdate()
    sessions = []
    for n in range(count):
        start = localize(datetime.combine(today - timedelta(days=40 - 7 * n), time(hour, 0)), "Europe/Paris")
        session = session_services.session_schedule(
            application=application,
            starts_at=start,
            ends_at=start + timedelta(hours=1, minutes=30),
            mediator=mediator,
            problem="Réduire le délai de clôture mensuelle de 12 à 6 jours ouvrés.",
            location=location or "Salle Lumière, Lyon",
            by=recruiter,
        )
        observation = session_services.observation_start(session=session, mediator=mediator)
        for party, category in (
            (ipa.CEO, "gives_opinion"),
            (ipa.CANDIDATE, "agrees"),
            (ipa.CANDIDATE, "asks_opinion"),
        ):
            session_services.observation_tally(
                observation=observation, party=party, category=category, delta=1, by=mediator
            )
        level = levels[n % len(levels)]
        session_services.observation_save(
            observation=observation,
            by=mediator,
            ratings={d.code: level for d in ipa.DIMENSIONS},
            verdict=verdicts[n % len(verdicts)],
            confidence=4,
            synthesis=SYNTHESIS,
        )
        session_services.incident_add(
            observation=observation,
            by=mediator,
            minute=12 + n,
            who="ceo",
            tag="disagreement",
            behaviour="Conteste l’hypothèse de coût œuvrée par l’équipe.",
            interpretation="Besoin de preuves avant d’accorder sa confiance.",
        )
        session_services.observation_submit(observation=observation, by=mediator)
        if ceo_debrief:
            session_services.debrief_submit_ceo(
                session=session,
                by=ceo,
                ratings={d.code: min(5, level + 1) for d in ipa.DIMENSIONS},
                comment="Séance utile, échanges francs.",
            )
        token = session_services.debrief_invitation_create(session=session)
        session_services.debrief_submit_candidate(
            token=token,
            ratings={d.code: level for d in ipa.DIMENSIONS},
            comment="J’ai pu exposer ma démarche.",
        )
        sessions.append(session)
    return sessions


@dataclass
class World:
    staff: object
    ceo: object
    recruiter: object
    recruiter2: object
    mediator: object
    mandate: object
    application: object
    other_ceo: object
    other_recruiter: object
    other_mandate: object
    other_application: object

    def candidate_application(
        self, first, last, *, stage=Stage.ASSESSMENT, levels=None, raters=None, **years
    ):
        """Another application in this mandate, rated by ``raters`` (default: both recruiters)."""
        candidate = CandidateFactory(first_name=first, last_name=last, **years)
        application = ApplicationFactory(candidate=candidate, mandate=self.mandate, stage=stage)
        if levels is not None:
            for rater in raters or (self.recruiter, self.recruiter2):
                rate(application, rater, scores(*levels))
        return application

    def draft_for(self, user, application=None):
        """Open an unsubmitted scorecard of ``user`` for the application (independence rule)."""
        return rate(
            application or self.application, user, {}, submit=False, context=Scorecard.Context.REFERENCE
        )


def make_world(*, sessions=4):
    """Build the ``world`` (see the module docstring)."""
    staff = UserFactory(username="staff-test", is_staff=True)
    ceo = UserFactory(username="dg-test", first_name="Isabelle", last_name="Fontaine", groups=["ceo"])
    recruiter = UserFactory(
        username="rec-test", first_name="Camille", last_name="Martin", groups=["recruiter"]
    )
    recruiter2 = UserFactory(
        username="rec2-test", first_name="Hugo", last_name="Bernard", groups=["recruiter"]
    )
    mediator = UserFactory(username="med-test", first_name="Louis", last_name="Perrin", groups=["mediator"])
    mandate = MandateFactory(
        ceo=ceo, recruiters=[recruiter, recruiter2], mediators=[mediator], slug="cso-lumen"
    )
    candidate = CandidateFactory(
        first_name=ACCENTED_NAME[0],
        last_name=ACCENTED_NAME[1],
        email="eloise.lng@example.org",
        years_finance=3,
        years_hr=3,
        years_legal=2,
        years_it=2,
        years_sales_admin=2,
        years_purchasing=2,
        years_general_services=2,
        years_communication=2,
        years_quality=2,
    )
    application = ApplicationFactory(
        candidate=candidate,
        mandate=mandate,
        stage=Stage.WORKING_SESSIONS,
        swot_opportunities="Ouvrir l’offre de services aux filiales\n- Piloter la "
        "transformation numérique du back-office",
        swot_threats="Marché tendu : une contre-offre est possible",
    )
    for rater, levels in ((recruiter, (4, 4, 4)), (recruiter2, (5, 4, 4)), (ceo, (4, 3, 4))):
        rate(application, rater, scores(*levels))
    if sessions:
        hold_sessions(application, mediator=mediator, ceo=ceo, recruiter=recruiter, count=sessions)
    other_ceo = UserFactory(username="dg-autre", groups=["ceo"])
    other_recruiter = UserFactory(username="rec-autre", groups=["recruiter"])
    other_mandate = MandateFactory(ceo=other_ceo, recruiters=[other_recruiter], slug="cso-autre")
    other_application = ApplicationFactory(mandate=other_mandate)
    return World(
        staff=staff,
        ceo=ceo,
        recruiter=recruiter,
        recruiter2=recruiter2,
        mediator=mediator,
        mandate=mandate,
        application=application,
        other_ceo=other_ceo,
        other_recruiter=other_recruiter,
        other_mandate=other_mandate,
        other_application=other_application,
    )


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def bare_world(db):
    """The same world without any working session (compatibility empty)."""
    return make_world(sessions=0)


#: The one WeasyPrint warning that is not a rendering problem: without Debian's libharfbuzz-subset0
#: it subsets fonts with fontTools (same PDF, slower). .ci/run should install the library.
TOLERATED_WEASYPRINT_NOTICE = "Using fontTools instead of HarfBuzz-Subset"


@pytest.fixture
def strict_weasyprint(caplog):
    """Fail the test on any WeasyPrint log line at WARNING or above (a missing image, font or
    stylesheet must not pass silently)."""
    import logging

    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield caplog
    problems = [
        f"{r.levelname}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith("weasyprint")
        and r.levelno >= logging.WARNING
        and not r.getMessage().startswith(TOLERATED_WEASYPRINT_NOTICE)
    ]
    if problems:
        pytest.fail("WeasyPrint reported problems:\n" + "\n".join(problems))
