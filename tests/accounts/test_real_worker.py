"""The password reset on the real path: PostgreSQL + Redis + a Celery worker process (no eager
mode). The page answers at once; the worker looks the address up and queues the e-mail, which the
outbox then delivers. Skips without the services; FAILS when ``CSO_REQUIRE_SERVICES=1`` (CI)."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cso_recruit.celery import app as celery_app
from outbox.models import OutboundEmail, TaskRequest
from tests.conftest import require_service
from tests.factories import UserFactory
from tests.realworker import broker_url, redis_flushed, start_worker, stop_worker, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]

TIMEOUT = 120  # seconds, worker start-up included


def test_the_reset_email_is_looked_up_and_sent_by_a_real_worker(tmp_path):
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker = broker_url()
    require_service(bool(broker) and redis_flushed(broker), "Redis (CELERY_BROKER_URL=redis://…)")
    UserFactory(username="oublieux", email="oublieux@example.org", first_name="Paul", last_name="Oubli")

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the autouse fixture forces eager: not here
    log_path = tmp_path / "worker.log"
    process, log = start_worker(log_path, name="reset-test")
    try:
        client = Client()
        for email in ("oublieux@example.org", "personne@example.org"):
            response = client.post(reverse("accounts:password_reset"), {"email": email})
            assert response.status_code == 302 and response["Location"] == reverse(
                "accounts:password_reset_done"
            )
        wait_until(
            lambda: OutboundEmail.objects.filter(to="oublieux@example.org", status="sent").exists(),
            timeout=TIMEOUT,
            process=process,
            log_path=log_path,
            what="the reset e-mail",
        )
        worker_log = log_path.read_text(errors="replace")
        assert "accounts.tasks.send_password_reset" in worker_log and "succeeded" in worker_log
        row = OutboundEmail.objects.get(to="oublieux@example.org")
        assert "Bonjour Paul Oubli," in row.body and "/account/password/reset/" in row.body
        assert not OutboundEmail.objects.filter(to="personne@example.org").exists()
        assert TaskRequest.objects.filter(task="accounts.tasks.send_password_reset").count() == 2
    finally:
        celery_app.conf.task_always_eager = previous
        stop_worker(process, log)
