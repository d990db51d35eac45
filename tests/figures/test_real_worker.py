"""The mandate statistics recomputed by a real Celery worker on Redis and PostgreSQL (no eager mode):
a scorecard submitted through the page commits, its task is sent on commit, the worker computes α
and the rater flags, and the stored row equals a fresh computation. Skips without the services;
fails when ``CSO_REQUIRE_SERVICES=1`` (CI)."""

import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from assessments.models import Scorecard
from cso_recruit.celery import app as celery_app
from figures import compute
from figures.models import MandateStatistics
from tests.assessments.helpers import CODES, rate
from tests.conftest import ensure_reference_data, require_service
from tests.factories import UserFactory
from tests.reports.conftest import make_world
from tests.reports.test_real_worker import _broker_url, _redis_flushed, _start_worker, _stop_worker

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]

TIMEOUT = 60


def _wait_current(mandate, process):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        row = MandateStatistics.objects.filter(pk=mandate.pk).first()
        if row is not None and row.is_current and row.computed_at is not None:
            return row
        time.sleep(0.3)
    return MandateStatistics.objects.filter(pk=mandate.pk).first()


def test_mandate_statistics_are_recomputed_by_a_real_worker_after_a_submit(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker = _broker_url()
    require_service(bool(broker) and _redis_flushed(broker), "Redis (CELERY_BROKER_URL=redis://…)")
    ensure_reference_data()
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    log_path = tmp_path / "worker.log"
    process, log = _start_worker(log_path)
    try:
        world = make_world()  # three submitted scorecards, committed: their tasks are on Redis
        row = _wait_current(world.mandate, process)
        assert row is not None and row.is_current, log_path.read_text(errors="replace")[-3000:]
        first_alpha = row.alpha

        # A fourth rater submits through the page: the request commits, then the task is sent.
        fourth = UserFactory(groups=["recruiter"])
        world.mandate.recruiters.add(fourth)
        with transaction.atomic():
            card = rate(world.application, fourth, dict.fromkeys(CODES, 1), submit=False)
        client = Client()
        client.force_login(fourth)
        form = {"recommendation": "no", "summary": "", "submit": "1"}
        for rating in card.ratings.all():
            form[f"value_{rating.criterion_id}"] = "1"
            form[f"evidence_{rating.criterion_id}"] = "Aucun exemple concret."
        response = client.post(reverse("assessments:scorecard", args=[card.pk]), form)
        assert response.status_code == 302, response.content[:400]
        assert Scorecard.objects.get(pk=card.pk).is_submitted
        version = MandateStatistics.objects.get(pk=world.mandate.pk).inputs_version

        row = _wait_current(world.mandate, process)
        worker_log = log_path.read_text(errors="replace")
        assert row.computed_version >= version, worker_log[-3000:]
        assert "figures.tasks.refresh_mandate_statistics" in worker_log and "succeeded" in worker_log
        fresh = compute.compute_mandate_statistics(world.mandate.pk)
        assert (row.alpha, row.units, row.flagged()) == (fresh.alpha, fresh.units, fresh.flagged)
        assert row.alpha != first_alpha  # a rater at 1 everywhere moved the panel's agreement
    finally:
        celery_app.conf.task_always_eager = previous
        _stop_worker(process, log)
