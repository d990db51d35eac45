"""The shortlist through the real path: PostgreSQL + Redis + a Celery worker process (the generic
task ``reports.tasks.render_document`` on queue ``reports``), requested from the comparison page.

Skips without the services; FAILS when ``CSO_REQUIRE_SERVICES=1`` (CI). Grouped with the report's
real-worker test (``xdist_group("real_worker")``): one worker process at a time.
"""

import io
import math
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cso_recruit.celery import app as celery_app
from reports.templatetags.report_tags import num
from tests.conftest import ensure_reference_data, require_service
from tests.realworker import broker_url, redis_flushed, start_worker, stop_worker
from tests.reports.conftest import ACCENTED_NAME, make_world

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real_worker"),
]

READY_TIMEOUT = 60  # seconds, worker start-up included
SECOND = ("Noémie", "Carré-Duval")


def test_shortlist_rendered_by_a_real_worker(tmp_path):
    from reports.models import Shortlist

    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    broker = broker_url()
    require_service(bool(broker) and redis_flushed(broker), "Redis (CELERY_BROKER_URL=redis://…)")
    ensure_reference_data()
    world = make_world()
    second = world.candidate_application(*SECOND, levels=(3, 2, 4))  # rated by both recruiters

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the autouse fixture forces eager: not here
    log_path = tmp_path / "worker.log"
    process, log = start_worker(log_path, name="shortlist-test")
    try:
        client = Client()
        client.force_login(world.ceo)
        ids = [world.application.pk, second.pk]
        compare = client.get(reverse("reports:compare", args=[world.mandate.slug]), {"a": ids})
        assert reverse("reports:shortlist_request", args=[world.mandate.slug]) in compare.content.decode()
        response = client.post(reverse("reports:shortlist_request", args=[world.mandate.slug]), {"a": ids})
        assert response.status_code == 302
        shortlist = Shortlist.objects.get(mandate=world.mandate)
        assert response.url == reverse("reports:shortlist_status", args=[shortlist.pk])

        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            shortlist.refresh_from_db()
            if (
                shortlist.status in (Shortlist.Status.READY, Shortlist.Status.FAILED)
                or process.poll() is not None
            ):
                break
            time.sleep(0.5)
        worker_log = log_path.read_text(errors="replace")
        assert shortlist.status == Shortlist.Status.READY, (
            f"status {shortlist.status!r}, error {shortlist.error!r}, worker exit {process.poll()}\n{worker_log[-4000:]}"
        )
        assert "reports.tasks.render_document" in worker_log and "succeeded" in worker_log

        fragment = client.get(reverse("reports:shortlist_status_fragment", args=[shortlist.pk]))
        assert reverse("reports:shortlist_download", args=[shortlist.pk]) in fragment.content.decode()
        download = client.get(reverse("reports:shortlist_download", args=[shortlist.pk]))
        assert download.status_code == 200
        reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
        assert len(reader.pages) >= 2 and shortlist.page_count == len(reader.pages)
        text = " ".join((page.extract_text() or "") for page in reader.pages)
        text = " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())
        assert " ".join(ACCENTED_NAME) in text and " ".join(SECOND) in text
        # Computed here: the world's raters give conductor (4+5+4)/3, partner (4+4+3)/3, entrepreneur 4;
        # the second finalist 3, 2, 4 from both recruiters. Fit = geometric mean of the three roles.
        first_fit = ((13 / 3) * (11 / 3) * 4) ** (1 / 3)
        second_fit = math.prod((3, 2, 4)) ** (1 / 3)
        assert f"{num(first_fit, 2)} / 5" in text  # 3,99 / 5
        assert f"{num(second_fit, 2)} / 5" in text  # 2,88 / 5
        assert num(13 / 3, 2) in text and num(11 / 3, 2) in text
        assert "Seuil non atteint" in text  # the second finalist's partner score 2.00 is below 3.0
    finally:
        celery_app.conf.task_always_eager = previous
        stop_worker(process, log)
