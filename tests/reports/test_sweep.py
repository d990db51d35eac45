"""Nothing stays pending for ever: a redelivered render (its worker died) takes the report over, a
duplicate delivery while another worker renders does nothing, interrupted renders are capped, the
sweeper queues lost renders again and re-sends forgotten ones; the soft time limit's own message
even when it strikes inside WeasyPrint; a broker outage on request saves the report and says so."""

from datetime import timedelta

import pytest
from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as BrokerDown

from outbox import services as outbox
from outbox.models import TaskRequest
from reports import services
from reports.models import Report
from reports.tasks import render_report
from tests.reports.test_views import client_for

pytestmark = pytest.mark.django_db

NOTICE = (
    "Saved. The background service is not reachable right now: the e-mails and the work this causes will "
    "proceed on their own as soon as it is back."
)


@pytest.fixture
def queued(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return services.report_request(application=world.application, by=world.ceo)


def _rendering(report, *, task_id, minutes_ago, interruptions=0, attempts=1):
    Report.objects.filter(pk=report.pk).update(
        status="rendering",
        task_id=task_id,
        attempts=attempts,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        interruptions=interruptions,
    )


def test_a_redelivered_message_takes_over_its_own_interrupted_render(queued):
    _rendering(queued, task_id="outbox-1-1", minutes_ago=0)
    report = services.report_render(report_id=queued.pk, task_id="outbox-1-1")
    assert report.status == "ready" and report.attempts == 2 and report.interruptions == 1


def test_another_delivery_leaves_a_live_render_alone(queued):
    _rendering(queued, task_id="outbox-1-1", minutes_ago=1)
    report = services.report_render(report_id=queued.pk, task_id="outbox-1-2")
    assert report.status == "rendering" and report.attempts == 1 and report.interruptions == 0


def test_a_render_older_than_the_hard_limit_is_taken_over_by_any_delivery(queued):
    minutes = (settings.REPORT_RENDER_TIME_LIMIT + 61) / 60
    _rendering(queued, task_id="outbox-1-1", minutes_ago=minutes)
    assert services.report_render(report_id=queued.pk, task_id="outbox-1-2").status == "ready"


def test_interrupted_renders_are_capped_with_a_readable_reason(queued, settings):
    settings.REPORT_MAX_INTERRUPTIONS = 3
    _rendering(queued, task_id="t", minutes_ago=0, interruptions=2, attempts=3)
    with translation.override("en"):
        report = services.report_render(report_id=queued.pk, task_id="t")
    assert report.status == "failed" and report.interruptions == 3 and report.attempts == 3
    assert report.error == (
        f"Rendering was interrupted 3 times (the worker stopped or the time limit of "
        f"{settings.REPORT_RENDER_TIME_LIMIT} seconds was reached); request a new version "
        f"or retry later."
    )
    assert report.can_retry
    retried = services.report_retry(report=report)
    assert retried.status == "queued" and retried.interruptions == 0


def test_the_sweeper_queues_a_lost_render_again_then_fails_it(
    queued, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_MAX_INTERRUPTIONS = 2
    lost = (settings.REPORT_RENDER_TIME_LIMIT + 61) / 60
    _rendering(queued, task_id="t", minutes_ago=lost)
    _rendering(Report(pk=0), task_id="", minutes_ago=0)  # no such row: harmless
    with django_capture_on_commit_callbacks(execute=False) as callbacks, translation.override("en"):
        assert services.reports_sweep() == {"requeued": 1, "resent": 0, "failed": 0}
    report = Report.objects.get(pk=queued.pk)
    assert report.status == "queued" and report.interruptions == 1 and "interrupted" in report.error
    assert len(callbacks) == 1 and TaskRequest.objects.filter(kwargs={"report_id": report.pk}).count() == 2
    _rendering(queued, task_id="t", minutes_ago=lost, interruptions=1)
    assert services.reports_sweep() == {"requeued": 0, "resent": 0, "failed": 1}
    assert Report.objects.get(pk=queued.pk).status == "failed"


def test_the_sweeper_resends_a_forgotten_queued_report(queued, settings, django_capture_on_commit_callbacks):
    assert services.reports_sweep() == {"requeued": 0, "resent": 0, "failed": 0}  # young: left alone
    later = timezone.now() + timedelta(seconds=settings.REPORT_STALE_AFTER + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reports_sweep(now=later) == {"requeued": 0, "resent": 1, "failed": 0}
    assert Report.objects.get(pk=queued.pk).status == "ready"  # eager here: the re-sent task rendered it


def test_the_soft_time_limit_inside_weasyprint_gives_the_timeout_message(queued, monkeypatch):
    import weasyprint

    def too_long(self, *args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", too_long)
    assert render_report.delay(queued.pk).get()["status"] == "failed"
    error = Report.objects.get(pk=queued.pk).error
    seconds = settings.REPORT_RENDER_SOFT_TIME_LIMIT
    assert error == gettext("Rendering took longer than %(seconds)d seconds and was stopped.") % {
        "seconds": seconds
    }
    assert str(seconds) in error and "WeasyPrint" not in error


def test_task_is_rejected_back_to_the_queue_when_its_worker_is_lost():
    assert render_report.acks_late is True and render_report.reject_on_worker_lost is True


@pytest.mark.django_db(transaction=True)  # the commit happens inside the request, as in production
def test_broker_down_on_request_saves_the_report_and_says_it_will_proceed(world, monkeypatch):
    monkeypatch.setattr(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        type(current_app.tasks["reports.tasks.render_report"]),
        "apply_async",
        lambda self, *a, **k: (_ for _ in ()).throw(BrokerDown("Connection refused.")),
    )
    client = client_for(world.ceo)
    response = client.post(f"/applications/{world.application.pk}/reports/request/")
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert report.status == "queued"
    assert TaskRequest.objects.get().status == "pending"
    page = client.get(response.url).content.decode()
    with translation.override("fr"):
        assert escape(gettext(NOTICE)) in page
    # The broker is back: the sweeper sends the request and (eager here) the report is rendered.
    monkeypatch.undo()
    outbox.outbox_sweep(now=timezone.now() + timedelta(seconds=61))
    assert Report.objects.get().status == "ready"
