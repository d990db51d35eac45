"""Background work seen in Chromium: an import job's page and a report's status page update in place
(``static/js/live.js`` polling their fragment) while the job runs elsewhere — no reload — and end
with the outcome; with JavaScript off, the same pages reload themselves (<noscript> meta refresh).

The job is left queued (its task is not sent), then run from the test while the page is open, as a
worker would."""

import re

import pytest

from tests.conftest import ensure_reference_data, sample_path
from tests.e2e.conftest import pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-e2e-2026-cso"  # noqa: S105 — test account
SAMPLE = "candidates_fr_utf8_bom.csv"


@pytest.fixture
def recruiter_and_mandate(db):
    from django.contrib.auth.models import Group

    from tests.factories import MandateFactory, UserFactory

    ensure_reference_data()
    user = UserFactory(username="recrutrice-live", first_name="Léa", last_name="Martin")
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name="recruiter"))
    return user, MandateFactory(slug="cso-live", recruiters=[user])


def login(page, base, user):
    page.goto(f"{base}/login/")
    page.get_by_label("Nom d’utilisateur").fill(user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*(/|/two-factor/enrol/\?next=.*)$"))
    pass_second_factor(page)  # staff and CEOs set up their second factor at their first login
    page.wait_for_url(re.compile(r".*/$"))


def queued_preview(mandate, user, monkeypatch):
    from candidates import services, tasks
    from tests.candidates.documents import upload

    with monkeypatch.context() as patch:  # no worker: the job stays queued
        patch.setattr(tasks.run_import, "apply_async", lambda *args, **kwargs: None)
        return services.import_job_create(
            mandate=mandate,
            by=user,
            language="fr",
            upload=upload(SAMPLE, sample_path(SAMPLE).read_bytes(), "text/csv"),
        )


def test_the_import_page_updates_in_place_until_the_preview(
    new_page, live_server, recruiter_and_mandate, axe, monkeypatch
):
    from candidates import services
    from candidates.models import ImportJob

    user, mandate = recruiter_and_mandate
    job = queued_preview(mandate, user, monkeypatch)
    page = new_page()
    login(page, live_server.url, user)
    page.goto(f"{live_server.url}{job.get_absolute_url()}")
    page.get_by_text("En attente d’un processus de traitement pour lancer l’import…").wait_for()
    assert page.get_attribute("#import-status", "aria-busy") == "true"
    axe.check(page, "import job (queued)")
    page.evaluate("window.__samePage = true")

    services.import_job_run(job_id=job.pk)  # the worker, while the page is open

    page.get_by_text("Élodie Garnier").wait_for(timeout=10_000)
    assert page.evaluate("window.__samePage === true")  # updated in place, not reloaded
    assert page.get_attribute("#import-status", "aria-busy") == "false"
    assert page.locator("[data-live-pending]").count() == 0
    axe.check(page, "import job (preview)")

    with monkeypatch.context() as patch:  # the save goes to "the worker" too
        patch.setattr("candidates.tasks.run_import.apply_async", lambda *args, **kwargs: None)
        page.get_by_role("button", name="Enregistrer l’import").click()
        page.get_by_text("En attente d’un processus de traitement pour lancer l’import…").wait_for()
    save = ImportJob.objects.get(mode=ImportJob.Mode.SAVE)
    page.evaluate("window.__samePage = true")
    services.import_job_run(job_id=save.pk)
    page.get_by_text("Import terminé : 8 fiche(s) créée(s)").wait_for(timeout=10_000)
    assert page.evaluate("window.__samePage === true")
    assert page.get_by_role("link", name="Aller au pipeline").is_visible()


def test_without_javascript_the_import_page_reloads_itself(
    browser, live_server, recruiter_and_mandate, monkeypatch
):
    from candidates import services

    user, mandate = recruiter_and_mandate
    job = queued_preview(mandate, user, monkeypatch)
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, live_server.url, user)
        page.goto(f"{live_server.url}{job.get_absolute_url()}")
        page.get_by_role("link", name="Actualiser maintenant").wait_for()
        services.import_job_run(job_id=job.pk)
        page.get_by_text("Élodie Garnier").wait_for(timeout=10_000)  # after the meta refresh (3 s)
    finally:
        context.close()


def test_the_report_status_updates_in_place_until_the_download_link(new_page, live_server, axe, monkeypatch):
    from reports import services, tasks
    from reports.models import Report
    from tests.reports.conftest import make_world

    ensure_reference_data()
    world = make_world()
    world.ceo.set_password(PASSWORD)
    world.ceo.save()
    with monkeypatch.context() as patch:  # no worker: the report stays queued
        patch.setattr(tasks.render_report, "apply_async", lambda *args, **kwargs: None)
        report = services.report_request(application=world.application, by=world.ceo)
    page = new_page()
    login(page, live_server.url, world.ceo)
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    page.get_by_text("En attente d’un processus de rendu du PDF…").wait_for()
    page.evaluate("window.__samePage = true")

    services.report_render(report_id=report.pk)

    page.get_by_role("link", name=re.compile("Télécharger")).wait_for(timeout=30_000)
    assert page.evaluate("window.__samePage === true")
    assert page.get_attribute("#report-status", "aria-busy") == "false"
    assert Report.objects.get(pk=report.pk).is_ready
    axe.check(page, "report status (ready)")
