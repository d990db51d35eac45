"""The retention task on a real Celery worker (Redis broker, the test's PostgreSQL): sent twice, it
warns the recruiters of one candidate once and anonymises another once (issue 12: "the retention
task runs once per candidate on a real worker")."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from candidates.models import Candidate, Stage
from outbox.models import OutboundEmail
from outbox.services import publish
from privacy.models import Erasure, RetentionWarning
from privacy.tasks import apply_retention
from tests.conftest import require_service
from tests.factories import MandateFactory, UserFactory
from tests.privacy.test_retention import _closed
from tests.realworker import PrivateRedis, publishing_to, start_worker, stop_worker, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]


def test_the_retention_task_runs_once_per_candidate_on_a_real_worker(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    require_service(PrivateRedis.available(), "redis-server")
    recruiter = UserFactory(username="rec-worker", email="rec.worker@example.org")
    mandate = MandateFactory(recruiters=[recruiter])
    today = timezone.localdate()
    # Closed 200 days ago without consent (due 3 months after), warned 40 days ago: anonymised now.
    due_candidate, _app = _closed(
        Stage.REJECTED, today - timedelta(days=200), mandate=mandate, last_name="Échue"
    )
    due_schedule_date = _due(due_candidate)
    RetentionWarning.objects.create(
        candidate=due_candidate,
        due_date=due_schedule_date,
        rule="no_consent",
        sent_at=timezone.now() - timedelta(days=40),
    )
    # Closed 70 days ago without consent: due in about 20 days, so warned now.
    to_warn, _app = _closed(Stage.WITHDRAWN, today - timedelta(days=70), mandate=mandate)

    redis = PrivateRedis().start()
    process, log = start_worker(tmp_path / "worker.log", broker=redis.url, name="privacy")
    try:
        with publishing_to(redis.url):
            assert publish(apply_retention)
            assert publish(apply_retention)
        wait_until(
            lambda: (tmp_path / "worker.log").read_text().count("privacy.tasks.apply_retention[") >= 4,
            timeout=60,
            process=process,
            log_path=tmp_path / "worker.log",
            what="two runs of the retention task",
        )
        text = (tmp_path / "worker.log").read_text()
        assert text.count("succeeded") >= 2, text[-3000:]
    finally:
        stop_worker(process, log)
        redis.stop()

    assert list(Erasure.objects.values_list("candidate_number", "kind", "rule")) == [
        (due_candidate.pk, "retention", "no_consent")
    ]
    assert not Candidate.objects.filter(last_name="Échue").exists()
    assert RetentionWarning.objects.filter(candidate=to_warn).count() == 1
    mails = OutboundEmail.objects.filter(key__startswith=f"privacy:retention:{to_warn.pk}:")
    assert list(mails.values_list("to", flat=True)) == ["rec.worker@example.org"]


def _due(candidate) -> date:
    from privacy import selectors

    return selectors.retention_schedule(candidate).due_date
