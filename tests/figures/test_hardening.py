"""What the adversarial review of the stored figures found, each reproduced: a submit while the
broker is down, cascades through the figures admin, an application moved to another mandate, an
older PDF carrying hidden statistics, catalogues that depended on the batch, no active framework,
and an admin deleting an open revision."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse
from kombu.exceptions import OperationalError

from assessments import services as assessment_services
from assessments.models import CompetencyFramework, Criterion, Scorecard
from candidates.models import Application, Candidate, Mandate
from figures import compute, tasks
from figures import services as figures_services
from figures.models import ApplicationFigures, MandateStatistics
from reports import services as report_services
from tests.assessments.helpers import CODES, rate
from tests.factories import ApplicationFactory, MandateFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel(db):
    r1, r2 = UserFactory(groups=["recruiter"]), UserFactory(groups=["recruiter"])
    mandate = MandateFactory(recruiters=[r1, r2])
    application = ApplicationFactory(mandate=mandate)
    return r1, r2, mandate, application


def superuser_request():
    request = RequestFactory().post("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    return request


def form_post(card, value=4):
    data = {"recommendation": "yes", "summary": "", "submit": "1"}
    for rating in card.ratings.all():
        data[f"value_{rating.criterion_id}"] = str(value)
        data[f"evidence_{rating.criterion_id}"] = "Exemple précis."
    return data


def test_a_submit_while_the_broker_is_down_succeeds_and_the_sweep_catches_up(
    client, panel, monkeypatch, django_capture_on_commit_callbacks
):
    r1, r2, mandate, application = panel
    rate(application, r2, dict.fromkeys(CODES, 3))
    figures_services.mandate_statistics_refresh(mandate_id=mandate.pk)

    def broker_down(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    from celery import current_app

    monkeypatch.setattr(current_app.conf, "task_always_eager", False)  # a real broker, unreachable
    monkeypatch.setattr(
        type(current_app.tasks["figures.tasks.refresh_mandate_statistics"]), "apply_async", broker_down
    )
    card = rate(application, r1, {}, submit=False)
    client.force_login(r1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessments:scorecard", args=[card.pk]), form_post(card))
    assert response.status_code == 302  # the user's submit is not an error
    assert Scorecard.objects.get(pk=card.pk).is_submitted
    assert ApplicationFigures.objects.get(pk=application.pk).submitted_scorecards == 2  # same transaction
    row = MandateStatistics.objects.get(pk=mandate.pk)
    assert not row.is_current  # the task was never sent

    result = tasks.refresh_stale_figures()  # beat's sweep, once the broker is back
    assert result["mandates"] == 1
    row.refresh_from_db()
    assert row.is_current
    assert row.alpha == compute.compute_mandate_statistics(mandate.pk).alpha


def test_the_superuser_can_delete_a_candidate_whose_application_has_figures(client, panel):
    r1, _r2, _mandate, application = panel
    rate(application, r1, dict.fromkeys(CODES, 4))
    assert ApplicationFigures.objects.filter(pk=application.pk).exists()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:candidates_candidate_delete", args=[application.candidate_id])
    page = client.get(url)
    assert page.status_code == 200
    assert not page.context["perms_lacking"]  # the figures rows do not block the cascade
    # The scorecard (PROTECT on the rater only) goes with the application: nothing blocks the delete.
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Candidate.objects.filter(pk=application.candidate_id).exists()
    assert not ApplicationFigures.objects.filter(pk=application.pk).exists()


def test_moving_an_application_to_another_mandate_recomputes_both_mandates(panel):
    r1, r2, mandate, application = panel
    other_application = ApplicationFactory(mandate=mandate)
    for target in (application, other_application):
        rate(target, r1, dict.fromkeys(CODES, 5))
        rate(target, r2, dict.fromkeys(CODES, 1 if target == application else 4))
    figures_services.mandate_statistics_refresh(mandate_id=mandate.pk)
    elsewhere = MandateFactory(recruiters=[r1, r2])
    application.mandate = elsewhere
    site._registry[Application].save_model(superuser_request(), application, form=None, change=True)
    for moved in (mandate, elsewhere):
        figures_services.mandate_statistics_refresh(mandate_id=moved.pk)
        row = MandateStatistics.objects.get(pk=moved.pk)
        fresh = compute.compute_mandate_statistics(moved.pk)
        assert (row.alpha, row.units, row.flagged()) == (fresh.alpha, fresh.units, fresh.flagged), moved
    assert MandateStatistics.objects.get(pk=mandate.pk).units == len(CODES)  # only the application left


def test_an_older_pdf_with_mandate_statistics_is_withheld_from_a_viewer_with_an_open_draft(
    client, panel, django_capture_on_commit_callbacks
):
    r1, r2, mandate, application = panel
    for rater in (r1, r2):
        rate(application, rater, dict.fromkeys(CODES, 4))
    with django_capture_on_commit_callbacks(execute=True):  # the eager task renders on commit
        report = report_services.report_request(application=application, by=r1)
    report.refresh_from_db()
    assert report.is_ready and report.snapshot["summary"]["mandate_statistics"]["visible"] is True
    client.force_login(r2)
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == 200

    rate(ApplicationFactory(mandate=mandate), r2, {"cond_tools": 3}, submit=False)  # a draft elsewhere
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == 404
    status = client.get(reverse("reports:status", args=[report.pk]))
    assert status.context["withheld"] is True
    assert reverse("reports:download", args=[report.pk]) not in status.content.decode()
    assert report.pk in client.get(reverse("reports:list", args=[application.pk])).context["withheld"]
    # A version requested now leaves the statistics out, and can be read.
    with django_capture_on_commit_callbacks(execute=True):
        newer = report_services.report_request(application=application, by=r2)
    newer.refresh_from_db()
    assert newer.snapshot["summary"]["mandate_statistics"]["visible"] is False
    assert client.get(reverse("reports:download", args=[newer.pk])).status_code == 200


def test_a_catalogue_never_depends_on_the_other_applications_computed_with_it(panel):
    r1, _r2, mandate, old = panel
    rate(old, r1, dict.fromkeys(CODES, 4))  # on the first framework version
    new_version = assessment_services.framework_new_version(
        framework=CompetencyFramework.objects.get(is_active=True)
    )
    Criterion.objects.filter(framework=new_version, code="cond_resources").delete()  # before any use
    recent = ApplicationFactory(mandate=mandate)
    rate(recent, r1, {"cond_tools": 4})  # on the new version only

    alone = compute.row_figures(compute.compute_application_figures([recent.pk])[0])
    together = {
        row.application_id: compute.row_figures(row)
        for row in compute.compute_application_figures([old.pk, recent.pk])
    }
    assert together[recent.pk] == alone
    codes = [c["code"] for c in alone["assessment"]["criteria"]]
    assert "cond_resources" not in codes and len(codes) == len(CODES) - 1
    assert "cond_resources" in [c["code"] for c in together[old.pk]["assessment"]["criteria"]]


def test_starting_a_scorecard_without_an_active_framework_is_a_message_not_a_500(client, panel):
    r1, _r2, _mandate, application = panel
    CompetencyFramework.objects.update(is_active=False)
    client.force_login(r1)
    response = client.post(
        reverse("assessments:scorecard_start", args=[application.pk]), {"context": "screening"}, follow=True
    )
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not Scorecard.objects.filter(application=application).exists()


def test_deleting_an_open_revision_in_the_admin_gives_the_submitted_one_back(panel):
    r1, r2, _mandate, application = panel
    rate(application, r1, dict.fromkeys(CODES, 4))
    submitted = rate(application, r2, dict.fromkeys(CODES, 2))
    revision = assessment_services.scorecard_revise(scorecard=submitted, by=r2, reason="Après discussion.")
    site._registry[Scorecard].delete_model(superuser_request(), revision)
    submitted.refresh_from_db()
    assert submitted.is_current and submitted.is_submitted
    stored = ApplicationFigures.objects.get(pk=application.pk)
    assert (stored.rater_count, stored.fit) == (2, pytest.approx(3.0))
    # The rater can revise it again.
    assessment_services.scorecard_revise(scorecard=submitted, by=r2, reason="Nouvelle discussion.")


def test_mandate_statistics_row_deleted_alone_is_recomputed_on_read(panel):
    r1, r2, mandate, application = panel
    for rater in (r1, r2):
        rate(application, rater, dict.fromkeys(CODES, 3))
    MandateStatistics.objects.filter(pk=mandate.pk).delete()
    from figures.selectors import mandate_statistics

    assert mandate_statistics(mandate_id=mandate.pk).current is True
    assert Mandate.objects.filter(pk=mandate.pk).exists()
