from types import SimpleNamespace

import pytest

from candidates.models import Stage
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory


@pytest.fixture
def w(db):
    """A mandate (CEO, two recruiters, a mediator) and an application at stage "offer"."""
    ceo = UserFactory(username="dg-offre", first_name="Paul", last_name="Girard", groups=["ceo"])
    recruiter = UserFactory(username="rec-offre", first_name="Nadia", last_name="Leroy", groups=["recruiter"])
    second = UserFactory(username="rec2-offre", first_name="Hugo", last_name="Petit", groups=["recruiter"])
    mediator = UserFactory(username="med-offre", first_name="Inès", last_name="Morel", groups=["mediator"])
    outsider = UserFactory(username="autre-offre", groups=["recruiter"])
    mandate = MandateFactory(ceo=ceo, recruiters=[recruiter, second], mediators=[mediator])
    application = ApplicationFactory(
        mandate=mandate,
        stage=Stage.OFFER,
        candidate=CandidateFactory(first_name="Claire", last_name="Dubois", email="claire.offre@example.org"),
    )
    return SimpleNamespace(
        ceo=ceo,
        recruiter=recruiter,
        second=second,
        mediator=mediator,
        outsider=outsider,
        mandate=mandate,
        application=application,
    )
