"""The Celery task's contract: queue, JSON arguments, retries, time limits, worker recycling."""

import json

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError

from cso_recruit.celery import app as celery_app
from reports import services
from reports.models import Report
from reports.tasks import render_report


def test_task_options():
    assert render_report.name == "reports.tasks.render_report"
    assert render_report.acks_late is True
    assert render_report.max_retries == 3
    assert render_report.retry_backoff
    assert OSError in render_report.autoretry_for and OperationalError in render_report.autoretry_for
    assert 0 < render_report.soft_time_limit < render_report.time_limit
    assert render_report.soft_time_limit == settings.REPORT_RENDER_SOFT_TIME_LIMIT


def test_routed_to_the_reports_queue_with_json_only():
    route = celery_app.amqp.router.route({}, "reports.tasks.render_report", args=(1,), kwargs={})
    assert route["queue"].name == "reports"
    assert celery_app.conf.task_serializer == "json" and celery_app.conf.accept_content == ["json"]
    assert settings.CELERY_WORKER_MAX_TASKS_PER_CHILD >= 1
    assert celery_app.conf.worker_max_tasks_per_child == settings.CELERY_WORKER_MAX_TASKS_PER_CHILD


def test_result_is_json(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        report = services.report_request(application=world.application, by=world.ceo)
    result = render_report.delay(report.pk).get()
    assert json.loads(json.dumps(result)) == {"report": report.pk, "status": "ready"}


def test_soft_time_limit_fails_the_report(world, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        report = services.report_request(application=world.application, by=world.ceo)

    def too_long(**kwargs):
        Report.objects.filter(pk=report.pk).update(status="rendering")
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "report_render", too_long)
    assert render_report.delay(report.pk).get()["status"] == "failed"
    error = Report.objects.get(pk=report.pk).error
    assert str(settings.REPORT_RENDER_SOFT_TIME_LIMIT) in error


@pytest.mark.parametrize("value", ["1", 1])
def test_accepts_the_id_as_sent_by_json(value, db):
    assert render_report.delay(value).get() == {"report": value, "status": None}
