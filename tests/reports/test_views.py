"""Report pages: every URL × every role, request only enqueues, status refresh, download, independence."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from reports import rendering, services
from reports.models import Report


@pytest.fixture
def ready_report(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(application=world.application, by=world.ceo)
    return Report.objects.get(pk=report.pk)


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def urls(world, report):
    """(method, url) of every report page of the world's application."""
    return [
        ("get", reverse("reports:list", args=[world.application.pk])),
        ("post", reverse("reports:request", args=[world.application.pk])),
        ("get", reverse("reports:status", args=[report.pk])),
        ("get", reverse("reports:status_fragment", args=[report.pk])),
        ("get", reverse("reports:download", args=[report.pk])),
        ("post", reverse("reports:retry", args=[report.pk])),
        ("get", reverse("reports:dashboard", args=[world.mandate.slug])),
        (
            "get",
            reverse("reports:compare", args=[world.mandate.slug])
            + f"?a={world.application.pk}&a={report.pk}",
        ),
    ]


@pytest.mark.parametrize("role", ["anonymous", "other_ceo", "other_recruiter", "mediator"])
def test_out_of_scope_users_get_404_or_login(world, ready_report, role, django_capture_on_commit_callbacks):
    user = None if role == "anonymous" else getattr(world, role)
    client = client_for(user)
    for method, url in urls(world, ready_report):
        with django_capture_on_commit_callbacks(execute=False):
            response = getattr(client, method)(url)
        if role == "anonymous":
            assert response.status_code == 302 and response.url.startswith(reverse("login")), url
        else:
            assert response.status_code == 404, (role, url)
    assert Report.objects.count() == 1  # nobody out of scope created one


@pytest.mark.parametrize("role", ["ceo", "recruiter", "recruiter2", "staff"])
def test_members_reach_every_page(world, ready_report, role, django_capture_on_commit_callbacks):
    client = client_for(getattr(world, role))
    assert client.get(reverse("reports:list", args=[world.application.pk])).status_code == 200
    assert client.get(reverse("reports:status", args=[ready_report.pk])).status_code == 200
    assert client.get(reverse("reports:status_fragment", args=[ready_report.pk])).status_code == 200
    download = client.get(reverse("reports:download", args=[ready_report.pk]))
    assert download.status_code == 200
    assert client.get(reverse("reports:dashboard", args=[world.mandate.slug])).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("reports:request", args=[world.application.pk]))
    assert response.status_code == 302
    retry = client.post(reverse("reports:retry", args=[ready_report.pk]))  # ready: refused with a message
    assert retry.status_code == 302 and Report.objects.get(pk=ready_report.pk).is_ready


def test_the_web_request_only_enqueues(world, monkeypatch, django_capture_on_commit_callbacks):
    from reports import tasks

    monkeypatch.setattr(
        rendering, "render_pdf", lambda snapshot: pytest.fail("the web request rendered a PDF")
    )
    sent = []
    monkeypatch.setattr(tasks.render_report, "apply_async", lambda *args, **kwargs: sent.append(kwargs))
    client = client_for(world.ceo)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("reports:request", args=[world.application.pk]))
    report = Report.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:status", args=[report.pk])
    assert report.status == Report.Status.QUEUED and sent == []  # nothing sent before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert [kwargs["kwargs"] for kwargs in sent] == [{"report_id": report.pk}]


def test_status_page_updates_in_place_until_ready(world, django_capture_on_commit_callbacks):
    """Pending: the status card is polled from its fragment URL (live.js) — no Refresh header, which
    would reload the page even with JavaScript; without JavaScript a <noscript> meta refresh does."""
    client = client_for(world.ceo)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("reports:request", args=[world.application.pk]))
    report = Report.objects.get()
    fragment_url = reverse("reports:status_fragment", args=[report.pk])
    pending = client.get(reverse("reports:status", args=[report.pk]))
    html = pending.content.decode()
    assert "Refresh" not in pending and pending["Cache-Control"] == "no-store, private"
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert f'data-live-url="{fragment_url}"' in html and "data-live-pending" in html
    assert 'aria-busy="true"' in html and "js/live.js" in html
    assert reverse("reports:download", args=[report.pk]) not in html

    fragment = client.get(fragment_url)
    assert fragment.status_code == 200 and fragment["Cache-Control"] == "no-store, private"
    part = fragment.content.decode()
    assert "data-live-pending" in part and "<html" not in part and "<nav" not in part
    with translation.override("fr"):  # the default language
        assert gettext("Waiting for a worker to render the PDF…") in part

    services.report_render(report_id=report.pk)
    part = client.get(fragment_url).content.decode()
    assert "data-live-pending" not in part  # the polling stops here
    assert reverse("reports:download", args=[report.pk]) in part
    ready = client.get(reverse("reports:status", args=[report.pk]))
    assert "Refresh" not in ready and "http-equiv" not in ready.content.decode()
    assert 'aria-busy="false"' in ready.content.decode()
    assert reverse("reports:download", args=[report.pk]) in ready.content.decode()


def test_status_fragment_of_a_failed_report_ends_with_the_error_and_retry(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        rendering,
        "render_pdf",
        lambda snapshot: (_ for _ in ()).throw(rendering.RenderError("Une ressource manque")),
    )
    client = client_for(world.recruiter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:request", args=[world.application.pk]))
    report = Report.objects.get()
    part = client.get(reverse("reports:status_fragment", args=[report.pk])).content.decode()
    assert "Une ressource manque" in part and reverse("reports:retry", args=[report.pk]) in part
    assert "data-live-pending" not in part and "csrfmiddlewaretoken" in part


def test_failed_report_shows_error_and_retry_button(world, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(
        rendering,
        "render_pdf",
        lambda snapshot: (_ for _ in ()).throw(rendering.RenderError("Une ressource manque")),
    )
    client = client_for(world.recruiter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:request", args=[world.application.pk]))
    report = Report.objects.get()
    page = client.get(reverse("reports:status", args=[report.pk])).content.decode()
    assert "Une ressource manque" in page and reverse("reports:retry", args=[report.pk]) in page
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:retry", args=[report.pk]))
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).is_ready


def test_download_is_an_attachment_named_after_the_candidate(world, ready_report):
    response = client_for(world.ceo).get(reverse("reports:download", args=[ready_report.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="rapport-compatibilite-eloise-loewenbruck-ngo-v1.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF") and len(body) == ready_report.size


def test_no_public_media_url(world, ready_report):
    response = client_for(world.ceo).get("/media-not-public/" + ready_report.pdf.name)
    assert response.status_code == 404
    assert (
        ready_report.pdf.name
        not in client_for(world.ceo).get(reverse("reports:status", args=[ready_report.pk])).content.decode()
    )


def test_versions_page_lists_every_version(world, ready_report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.report_request(application=world.application, by=world.recruiter)
    page = (
        client_for(world.recruiter).get(reverse("reports:list", args=[world.application.pk])).content.decode()
    )
    assert "v1" in page and "v2" in page
    assert reverse("reports:download", args=[ready_report.pk]) in page


def test_independence_rule_blocks_request_and_download(
    world, ready_report, django_capture_on_commit_callbacks
):
    world.draft_for(world.recruiter2)
    client = client_for(world.recruiter2)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("reports:request", args=[world.application.pk]), follow=True)
    assert Report.objects.count() == 1
    assert "soumettez-la avant de demander ou de lire un rapport" in response.content.decode()
    assert client.get(reverse("reports:download", args=[ready_report.pk])).status_code == 404
    listing = client.get(reverse("reports:list", args=[world.application.pk])).content.decode()
    assert "les rapports vous restent fermés" in listing
    assert reverse("reports:download", args=[ready_report.pk]) not in listing
    # The other members are not affected.
    assert client_for(world.ceo).get(reverse("reports:download", args=[ready_report.pk])).status_code == 200


def test_missing_file_answers_404(world, ready_report):
    ready_report.pdf.storage.delete(ready_report.pdf.name)
    assert client_for(world.ceo).get(reverse("reports:download", args=[ready_report.pk])).status_code == 404


def test_pages_of_a_report_made_on_the_command_line(world):
    from django.core.management import call_command

    call_command("render_report", str(world.application.pk))
    report = Report.objects.get()
    client = client_for(world.ceo)
    for url in (
        reverse("reports:list", args=[world.application.pk]),
        reverse("reports:status", args=[report.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and "ligne de commande" in response.content.decode()
