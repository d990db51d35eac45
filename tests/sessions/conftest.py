"""Fixtures of the working-session tests.

``world``: a mandate (CEO Isabelle Fontaine, a recruiter, two mediators) with an application of
Claire Testeuse, and a second mandate (its own CEO, recruiter and mediator) with another candidate.
Helpers schedule, observe and debrief through ``sessions.services`` so the rules are exercised.
Times are built as Europe/Paris wall-clock times with ``scheduling.localize``.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone, translation

from cso_recruit import access
from sessions import ipa, services
from sessions.models import Observation
from sessions.scheduling import localize
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory


def _sunday(year, month, n):
    """The ``n``-th Sunday of ``month`` (``n=-1``: the last one)."""
    if n < 0:
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - 6) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def _year_ahead():
    """The first year whose ``DAY`` is at least two weeks away: the test dates are relative to
    today, since a session must start within 366 days back and 731 days ahead
    (``scheduling.check_window``)."""
    soon = date.today() + timedelta(days=14)
    return soon.year if _sunday(soon.year, 3, 2) + timedelta(days=1) > soon else soon.year + 1


#: The year of the test dates (``DAY``, ``SPRING_FORWARD``, ``FALL_BACK``), all in the future.
YEAR = _year_ahead()
#: A Monday in March far from any Europe/Paris or London DST change (CET, UTC+1; GMT), the day after
#: America/Montreal moves to summer time (EDT, second Sunday of March). 2 to 54 weeks ahead.
DAY = _sunday(YEAR, 3, 2) + timedelta(days=1)
#: Europe/Paris skips 02:00–02:59 on the last Sunday of March …
SPRING_FORWARD = _sunday(YEAR, 3, -1)
#: … and repeats it on the last Sunday of October.
FALL_BACK = _sunday(YEAR, 10, -1)
#: ``DAY`` as the English and French short date formats show it ("03/15/2027", "15/03/2027").
DAY_EN, DAY_FR = DAY.strftime("%m/%d/%Y"), DAY.strftime("%d/%m/%Y")
PROBLEM = "Réduire le délai de clôture mensuelle de 12 à 6 jours."
LOCATION = "Salle Lumière, Lyon"


def at(day, hour, minute=0, tz="Europe/Paris"):
    """The aware datetime of a wall-clock time in ``tz``."""
    return localize(datetime.combine(day, time(hour, minute)), tz)


def ratings(values):
    """``{dimension code: rating}`` from one int (all dimensions) or a list of one int per dimension."""
    if isinstance(values, int):
        values = [values] * len(ipa.DIMENSIONS)
    assert len(values) == len(ipa.DIMENSIONS)
    return {d.code: v for d, v in zip(ipa.DIMENSIONS, values, strict=True)}


@dataclass
class World:
    staff: object
    recruiter: object
    ceo: object
    mediator: object
    mediator2: object
    candidate: object
    mandate: object
    application: object
    other_recruiter: object
    other_ceo: object
    other_mediator: object
    other_candidate: object
    other_mandate: object
    other_application: object

    def schedule(self, start, *, minutes=90, application=None, mediator=None, by=None, **kwargs):
        """Schedule through the service (defaults: this world's application, mediator, recruiter)."""
        application = application or self.application
        return services.session_schedule(
            application=application,
            starts_at=start,
            ends_at=start + timedelta(minutes=minutes),
            mediator=mediator or self.mediator,
            problem=kwargs.pop("problem", PROBLEM),
            location=kwargs.pop("location", LOCATION),
            by=by or self.recruiter,
            **kwargs,
        )

    def past_session(self, days_ago=2, hour=10, **kwargs):
        """A session that has already started (scheduling in the past is allowed: catching up)."""
        day = timezone.localdate() - timedelta(days=days_ago)
        return self.schedule(at(day, hour), **kwargs)


@pytest.fixture(autouse=True)
def _english():
    """Messages and formats in English (the msgids): assertions do not depend on the French
    catalogue, which is edited in parallel. The French pages are the same templates."""
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """A test client that chose English with the language switcher (cookie); French otherwise."""
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def world(db):
    # The groups come from a data migration; a transactional test run before (``transaction=True``)
    # flushes them, so make sure they are there.
    for name in (access.GROUP_RECRUITER, access.GROUP_CEO, access.GROUP_MEDIATOR):
        Group.objects.get_or_create(name=name)
    staff = UserFactory(username="staff-test", is_staff=True)
    recruiter = UserFactory(username="recruteur-test", groups=["recruiter"])
    ceo = UserFactory(username="dg-test", first_name="Isabelle", last_name="Fontaine", groups=["ceo"])
    mediator = UserFactory(
        username="mediateur-test", first_name="Louis", last_name="Perrin", groups=["mediator"]
    )
    mediator2 = UserFactory(username="mediateur2-test", groups=["mediator"])
    mandate = MandateFactory(ceo=ceo, recruiters=[recruiter], mediators=[mediator, mediator2])
    candidate = CandidateFactory(
        first_name="Claire", last_name="Testeuse", email="claire.testeuse@example.org"
    )
    application = ApplicationFactory(candidate=candidate, mandate=mandate)

    other_recruiter = UserFactory(username="recruteur-autre", groups=["recruiter"])
    other_ceo = UserFactory(username="dg-autre", groups=["ceo"])
    other_mediator = UserFactory(username="mediateur-autre", groups=["mediator"])
    other_mandate = MandateFactory(ceo=other_ceo, recruiters=[other_recruiter], mediators=[other_mediator])
    other_candidate = CandidateFactory(
        first_name="Hugo", last_name="Ailleurs", email="hugo.ailleurs@example.org"
    )
    other_application = ApplicationFactory(candidate=other_candidate, mandate=other_mandate)
    return World(
        staff=staff,
        recruiter=recruiter,
        ceo=ceo,
        mediator=mediator,
        mediator2=mediator2,
        candidate=candidate,
        mandate=mandate,
        application=application,
        other_recruiter=other_recruiter,
        other_ceo=other_ceo,
        other_mediator=other_mediator,
        other_candidate=other_candidate,
        other_mandate=other_mandate,
        other_application=other_application,
    )


def observe(
    session,
    *,
    values=4,
    verdict=ipa.COMPATIBLE,
    confidence=4,
    synthesis="",
    incidents=(),
    tallies=None,
    submit=True,
) -> Observation:
    """Fill (and by default submit) the mediator's observation of ``session`` through the services."""
    mediator = session.mediator
    observation = services.observation_start(session=session, mediator=mediator)
    for (party, code), count in (tallies or {}).items():
        for _ in range(count):
            services.observation_tally(
                observation=observation, party=party, category=code, delta=1, by=mediator
            )
    services.observation_save(
        observation=observation,
        by=mediator,
        ratings=ratings(values),
        verdict=verdict,
        confidence=confidence,
        synthesis=synthesis,
    )
    for incident in incidents:
        services.incident_add(observation=observation, by=mediator, **incident)
    if submit:
        observation = services.observation_submit(observation=observation, by=mediator)
    observation.refresh_from_db()
    return observation
