"""Report services: request (snapshot frozen, enqueued on commit), idempotent render, failure and retry."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone

from assessments.models import Rating
from figures.services import figures_rebuild
from outbox.models import TaskRequest
from reports import rendering, services
from reports.models import Report
from reports.snapshot import build_snapshot
from reports.tasks import render_report
from tests.reports.conftest import ACCENTED_NAME, hold_sessions


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """``run(callable)``: call it and run its on-commit callbacks (the eager task) as a commit would."""

    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


def test_request_creates_numbered_versions_and_enqueues_on_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.report_request(application=world.application, by=world.recruiter)
    assert len(callbacks) == 1
    assert first.version == 1 and first.status == Report.Status.QUEUED and not first.pdf
    assert first.already_pending is False
    assert TaskRequest.objects.get().kwargs == {"report_id": first.pk}
    # A second click while version 1 is still queued gets version 1 back, and nothing is sent.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = services.report_request(application=world.application, by=world.ceo)
    assert again.pk == first.pk and again.already_pending is True and callbacks == []
    assert Report.objects.count() == 1 and TaskRequest.objects.count() == 1
    services.report_fail(report_id=first.pk, error="stopped by the test")
    with django_capture_on_commit_callbacks(execute=False):
        second = services.report_request(application=world.application, by=world.ceo)
    assert second.version == 2 and second.already_pending is False
    assert second.requested_by == world.ceo and second.language == "fr"


def test_snapshot_holds_every_input_as_json(world):
    report = services.report_request(application=world.application, by=world.ceo)
    snapshot = Report.objects.get(pk=report.pk).snapshot
    assert json.loads(json.dumps(snapshot)) == snapshot
    assert snapshot["candidate"]["full_name"] == " ".join(ACCENTED_NAME)
    assert snapshot["report"] == {
        "version": 1,
        "language": "fr",
        "requested_at": snapshot["report"]["requested_at"],
        "requested_by": "Isabelle Fontaine",
    }
    assert snapshot["summary"]["submitted_scorecards"] == 3
    assert snapshot["summary"]["compatibility"]["held_sessions"] == 4
    assert snapshot["summary"]["compatibility"]["verdict"] == "compatible"
    assert len(snapshot["sessions"]) == 4
    first = snapshot["sessions"][0]
    assert first["observation"]["incidents"][0]["behaviour"].startswith("Conteste")
    assert first["debriefs"]["ceo"]["comment"] and first["debriefs"]["candidate"]["comment"]
    assert snapshot["application"]["swot_threats"].startswith("Marché tendu")
    assert snapshot["mandate"]["company"] == world.mandate.company.name


def test_snapshot_is_frozen_when_ratings_change(world):
    report = services.report_request(application=world.application, by=world.ceo)
    before = Report.objects.get(pk=report.pk).snapshot
    Rating.objects.filter(scorecard__application=world.application).update(value=1)
    world.application.candidate.first_name = "Autre"
    world.application.candidate.save()
    ready = services.report_render(report_id=report.pk)
    assert ready.status == Report.Status.READY
    assert Report.objects.get(pk=report.pk).snapshot == before
    assert before["summary"]["fit"] > 3.5
    # The raw update bypassed the services: the stored figures are rebuilt, as after an upgrade.
    figures_rebuild(mandate=world.mandate)
    newer = services.report_request(application=world.application, by=world.ceo)
    assert newer.snapshot["summary"]["fit"] == pytest.approx(1.0)
    assert newer.snapshot["candidate"]["first_name"] == "Autre"


def test_render_publishes_pdf_sha256_size_and_pages(run, world):
    report = run(services.report_request, application=world.application, by=world.ceo)  # eager task on commit
    report = Report.objects.get(pk=report.pk)
    assert report.status == Report.Status.READY and report.attempts == 1
    data = report.pdf.read()
    assert data.startswith(b"%PDF")
    assert report.sha256 == hashlib.sha256(data).hexdigest()
    assert report.size == len(data)
    assert report.page_count >= 4
    assert report.started_at <= report.finished_at
    assert report.error == ""


def test_render_is_idempotent(run, world, monkeypatch):
    report = run(services.report_request, application=world.application, by=world.ceo)
    ready = Report.objects.get(pk=report.pk)
    calls = []
    monkeypatch.setattr(rendering, "render_pdf", lambda snapshot: calls.append(1))
    again = services.report_render(report_id=report.pk)
    render_report.delay(report.pk)
    assert calls == []
    assert again.sha256 == ready.sha256 and again.pdf.name == ready.pdf.name
    assert Report.objects.get(pk=report.pk).attempts == 1


def test_render_of_a_missing_report_is_harmless(db):
    assert services.report_render(report_id=999999) is None
    assert render_report.delay(999999).get() == {"report": 999999, "status": None}


def test_failure_leaves_a_readable_error_then_retry_works(run, world, monkeypatch):
    real = rendering.render_pdf

    def broken(snapshot):
        raise rendering.RenderError("A resource of the report could not be loaded: logo.png")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    report = run(services.report_request, application=world.application, by=world.ceo)
    report = Report.objects.get(pk=report.pk)
    assert report.status == Report.Status.FAILED
    assert report.error == "A resource of the report could not be loaded: logo.png"
    assert report.can_retry and not report.pdf
    assert services.report_render(report_id=report.pk).status == Report.Status.FAILED  # no silent re-render

    monkeypatch.setattr(rendering, "render_pdf", real)
    run(services.report_retry, report=report, by=world.recruiter)
    report = Report.objects.get(pk=report.pk)
    assert report.status == Report.Status.READY and report.error == "" and report.attempts == 2


def test_unexpected_exception_is_reported_with_its_type(run, world, monkeypatch):
    monkeypatch.setattr(rendering, "render_pdf", lambda snapshot: {}["missing"])
    report = run(services.report_request, application=world.application, by=world.ceo)
    assert Report.objects.get(pk=report.pk).error == "KeyError: 'missing'"


def test_eager_transient_error_fails_at_once(run, world, monkeypatch):
    """Embedded default (eager tasks): no backoff to wait for, the report fails with the error
    and offers the retry; the web request does not crash."""
    monkeypatch.setattr(rendering, "render_pdf", lambda snapshot: (_ for _ in ()).throw(OSError("disk full")))
    report = run(services.report_request, application=world.application, by=world.ceo)
    report = Report.objects.get(pk=report.pk)
    assert report.status == Report.Status.FAILED and report.error == "OSError: disk full" and report.can_retry


def _run_on_worker(report_id, retries):
    """Run the task body as a worker would on its ``retries``-th retry (not eager)."""
    render_report.push_request(
        retries=retries, is_eager=False, called_directly=False, id=f"test-{retries}", delivery_info={}
    )
    try:
        return render_report.run(report_id)
    finally:
        render_report.pop_request()


def test_transient_errors_are_retried_with_backoff_then_fail(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from celery.exceptions import Retry

    with django_capture_on_commit_callbacks(execute=False):
        report = services.report_request(application=world.application, by=world.ceo)
    monkeypatch.setattr(rendering, "render_pdf", lambda snapshot: (_ for _ in ()).throw(OSError("disk full")))
    retried = []
    monkeypatch.setattr(render_report, "apply_async", lambda *args, **kwargs: retried.append(kwargs))
    for attempt in range(render_report.max_retries):
        with pytest.raises(Retry):
            _run_on_worker(report.pk, attempt)
        queued = Report.objects.get(pk=report.pk)
        assert queued.status == Report.Status.QUEUED and "disk full" in queued.error
    assert [kw["countdown"] for kw in retried] == [1, 2, 4]  # exponential backoff
    assert _run_on_worker(report.pk, render_report.max_retries) == {"report": report.pk, "status": "failed"}
    report = Report.objects.get(pk=report.pk)
    assert report.status == Report.Status.FAILED and report.attempts == 4
    assert report.error == "OSError: disk full"


def test_transient_error_then_success(world, monkeypatch, django_capture_on_commit_callbacks):
    from celery.exceptions import Retry

    with django_capture_on_commit_callbacks(execute=False):
        report = services.report_request(application=world.application, by=world.ceo)
    real = rendering.render_pdf
    calls = []

    def once_broken(snapshot):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(snapshot)

    monkeypatch.setattr(rendering, "render_pdf", once_broken)
    monkeypatch.setattr(render_report, "apply_async", lambda *args, **kwargs: None)
    with pytest.raises(Retry):
        _run_on_worker(report.pk, 0)
    assert _run_on_worker(report.pk, 1)["status"] == "ready"
    report = Report.objects.get(pk=report.pk)
    assert report.status == Report.Status.READY and report.attempts == 2 and report.error == ""


def test_retry_refuses_a_ready_or_queued_report(run, world, django_capture_on_commit_callbacks):
    ready = run(services.report_request, application=world.application, by=world.ceo)
    with pytest.raises(ValidationError) as error:
        services.report_retry(report=ready, by=world.ceo)
    assert error.value.code == "not_failed"
    with django_capture_on_commit_callbacks(execute=False):
        queued = services.report_request(application=world.application, by=world.ceo)
    with pytest.raises(ValidationError):
        services.report_retry(report=queued, by=world.ceo)


def test_a_stuck_report_can_be_retried(run, world, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=False):
        report = services.report_request(application=world.application, by=world.ceo)
    Report.objects.filter(pk=report.pk).update(
        status="rendering", started_at=timezone.now() - timedelta(seconds=settings.REPORT_STALE_AFTER + 5)
    )
    stuck = Report.objects.get(pk=report.pk)
    assert stuck.is_stale and stuck.can_retry
    run(services.report_retry, report=stuck, by=world.ceo)
    assert Report.objects.get(pk=report.pk).status == Report.Status.READY


def test_independence_rule_refuses_a_request(world):
    world.draft_for(world.recruiter2)
    with pytest.raises(ValidationError) as error:
        services.report_request(application=world.application, by=world.recruiter2)
    assert error.value.code == "independence"
    assert not Report.objects.exists()
    assert services.report_request(application=world.application, by=world.ceo).version == 1


def test_sealed_observations_stay_out_of_the_report(world):
    """The report follows the CEO's sealing: a session the CEO has not debriefed yet is listed as
    sealed (and does not count), whoever requests the report."""
    hold_sessions(
        world.other_application,
        mediator=_mediator(world),
        ceo=world.other_ceo,
        recruiter=world.other_recruiter,
        count=3,
        ceo_debrief=False,
    )
    snapshot = build_snapshot(application=world.other_application, version=1, by=world.other_recruiter)
    assert snapshot["summary"]["compatibility"]["sealed_sessions"] == 3
    assert snapshot["summary"]["compatibility"]["verdict"] is None
    assert all(s["sealed"] and s["observation"] is None for s in snapshot["sessions"])
    assert "Échanges" not in json.dumps(snapshot, ensure_ascii=False)


def test_report_fail_does_not_touch_a_ready_report(run, world):
    report = run(services.report_request, application=world.application, by=world.ceo)
    assert services.report_fail(report_id=report.pk, error="late").status == Report.Status.READY
    assert services.report_fail(report_id=424242, error="x") is None


def _mediator(world):
    from tests.factories import UserFactory

    mediator = UserFactory(username="med-autre", groups=["mediator"])
    world.other_mandate.mediators.add(mediator)
    return mediator
