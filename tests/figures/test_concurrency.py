"""Simultaneous writes on one application, on PostgreSQL (row locks): every write that recomputes the
stored figures locks the applications first, then the candidate or the mandate statistics row, so
an admin saving the candidate while raters submit and revise their scorecards never deadlocks, and
the stored figures end equal to a fresh computation.

Marked ``services``: with ``CSO_REQUIRE_SERVICES=1`` (CI) it fails instead of skipping without
PostgreSQL.
"""

import threading
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.db import connection, transaction
from django.test import RequestFactory

from assessments import services as assessment_services
from candidates.models import Candidate
from figures import compute
from figures.models import ApplicationFigures
from tests.assessments.helpers import CODES, rate
from tests.conftest import ensure_reference_data, require_service
from tests.factories import ApplicationFactory, MandateFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 8


def test_admin_candidate_saves_and_scorecard_submits_at_once_never_deadlock():
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    ensure_reference_data()
    r1, r2 = UserFactory(groups=["recruiter"]), UserFactory(groups=["recruiter"])
    mandate = MandateFactory(recruiters=[r1, r2])
    application = ApplicationFactory(mandate=mandate)
    rate(application, r1, dict.fromkeys(CODES, 4))
    card = rate(application, r2, dict.fromkeys(CODES, 3))
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    barrier = threading.Barrier(2)
    errors = []

    def admin_saves():
        try:
            barrier.wait(timeout=10)
            for i in range(ROUNDS):
                candidate = Candidate.objects.get(pk=application.candidate_id)
                candidate.years_it = Decimal(i % 5)
                request = RequestFactory().post("/admin/")
                request.user = admin_user
                with transaction.atomic():  # as the admin's change view does
                    site._registry[Candidate].save_model(request, candidate, form=None, change=True)
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    def rater_revises():
        current = card
        try:
            barrier.wait(timeout=10)
            for _ in range(ROUNDS):
                revision = assessment_services.scorecard_revise(scorecard=current, by=r2, reason="Relu.")
                assessment_services.scorecard_submit(scorecard=revision, by=r2)
                current = revision
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=admin_saves), threading.Thread(target=rater_revises)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    stored = compute.row_figures(ApplicationFigures.objects.get(pk=application.pk))
    assert stored == compute.row_figures(compute.compute_application_figures([application.pk])[0])
