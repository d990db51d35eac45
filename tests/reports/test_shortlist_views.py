"""The shortlist pages: the request from the comparison page (messages, language, independence),
the status page while pending, the versions page's queries."""

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import Shortlist


@pytest.fixture
def second(world):
    return world.candidate_application("Noémie", "Carré-Duval", levels=(3, 3, 3))


def _compare_url(world, ids):
    return reverse("reports:compare", args=[world.mandate.slug]) + "?" + "&".join(f"a={pk}" for pk in ids)


def test_the_comparison_page_offers_the_shortlist_of_its_candidates(client, world, second):
    client.force_login(world.ceo)
    html = client.get(_compare_url(world, [world.application.pk, second.pk])).content.decode()
    assert f'action="{reverse("reports:shortlist_request", args=[world.mandate.slug])}"' in html
    assert f'name="a" value="{world.application.pk}"' in html and f'name="a" value="{second.pk}"' in html
    wrong = client.get(_compare_url(world, [world.application.pk]))
    assert wrong.status_code == 400 and "shortlist-request" not in wrong.content.decode()


def test_a_wrong_count_goes_back_to_the_comparison_with_the_message(client, world):
    client.force_login(world.ceo)
    response = client.post(
        reverse("reports:shortlist_request", args=[world.mandate.slug]), {"a": [world.application.pk]}
    )
    assert response.status_code == 302 and response.url == _compare_url(world, [world.application.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Une shortlist compare entre 2 et 4 candidats (vous en avez choisi 1)."
    ]
    assert not Shortlist.objects.exists()


def test_an_open_scorecard_for_a_finalist_refuses_the_request(client, world, second):
    world.draft_for(world.recruiter, second)
    client.force_login(world.recruiter)
    response = client.post(
        reverse("reports:shortlist_request", args=[world.mandate.slug]),
        {"a": [world.application.pk, second.pk]},
    )
    assert response.status_code == 302 and not Shortlist.objects.exists()
    assert "évaluation en cours" in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_the_request_is_in_the_requesters_language_and_redirects_to_the_status(
    client, world, second, django_capture_on_commit_callbacks
):
    client.force_login(world.recruiter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = client.post(
            reverse("reports:shortlist_request", args=[world.mandate.slug]),
            {"a": [second.pk, world.application.pk]},
        )
    shortlist = Shortlist.objects.get()
    assert response.url == shortlist.get_absolute_url() and len(sent) == 1
    assert shortlist.language == "en" and shortlist.snapshot["document"]["language"] == "en"
    assert [f["application"]["id"] for f in shortlist.snapshot["finalists"]] == [
        second.pk,
        world.application.pk,
    ]
    page = client.get(shortlist.get_absolute_url())
    html = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert '<meta http-equiv="refresh" content="3">' in html
    assert f'data-live-url="{reverse("reports:shortlist_status_fragment", args=[shortlist.pk])}"' in html
    assert "Waiting for a worker to render the PDF" in html and "Noémie Carré-Duval" in html
    fragment = client.get(reverse("reports:shortlist_status_fragment", args=[shortlist.pk]))
    assert "no-store" in fragment["Cache-Control"] and "data-live-pending" in fragment.content.decode()
    assert client.get(reverse("reports:shortlist_download", args=[shortlist.pk])).status_code == 404


def test_the_versions_page_reads_in_constant_queries(
    client, world, second, django_capture_on_commit_callbacks
):
    from reports import services

    client.force_login(world.ceo)
    url = reverse("reports:shortlist_list", args=[world.mandate.slug])

    def measured():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response

    with django_capture_on_commit_callbacks(execute=False):
        services.shortlist_request(
            mandate=world.mandate, applications=[world.application, second], by=world.ceo
        )
    one, _response = measured()
    for _ in range(2):
        Shortlist.objects.filter(status=Shortlist.Status.QUEUED).update(
            status=Shortlist.Status.FAILED, error="x"
        )
        with django_capture_on_commit_callbacks(execute=False):
            services.shortlist_request(
                mandate=world.mandate, applications=[world.application, second], by=world.ceo
            )
    three, response = measured()
    assert three == one
    assert [s.version for s in response.context["shortlists"]] == [3, 2, 1]
