"""Fixtures of the decision tests.

``world``: the reports' world (``tests.reports.conftest.make_world``: a mandate with its CEO, two
recruiters, a mediator and staff; an application with three submitted scorecards and four held,
observed and debriefed sessions; another mandate), with the application moved to the decision
stage. ``light``: the same people without scorecards nor sessions (the reading is incomplete).
"""

import pytest

from candidates.models import Application, Stage
from tests.reports.conftest import make_world


def at_decision(application):
    Application.objects.filter(pk=application.pk).update(stage=Stage.DECISION)
    application.refresh_from_db()
    return application


@pytest.fixture
def world(db):
    w = make_world()
    at_decision(w.application)
    return w


@pytest.fixture
def light(db):
    w = make_world(sessions=0)
    from assessments.models import Scorecard

    Scorecard.objects.filter(application=w.application).delete()
    at_decision(w.application)
    return w


@pytest.fixture
def strict_weasyprint(caplog):
    from tests.reports.conftest import strict_weasyprint as fixture

    yield from fixture.__wrapped__(caplog)
