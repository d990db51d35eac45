"""The decision page: agenda, votes as the independence rule allows, forms that keep what was
typed, the SWOT form, the link from the application page, the report request's SWOT warning."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidates.models import Application
from decisions import services
from decisions.models import DecisionMeeting, Vote

pytestmark = pytest.mark.django_db


def page_url(w):
    return reverse("decisions:meeting", args=[w.application.pk])


def english(client):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_page_shows_the_agenda_and_lets_a_recruiter_open_the_meeting(client, world):
    english(client)
    client.force_login(world.recruiter)
    page = client.get(page_url(world)).content.decode()
    assert "Open the decision meeting" in page
    assert "Roles not evidenced in any session" in page and "Panel agreement unreliable" in page
    response = client.post(reverse("decisions:open", args=[world.application.pk]))
    assert response.status_code == 302 and response["Location"] == page_url(world)
    assert DecisionMeeting.objects.get(application=world.application).opened_by == world.recruiter
    page = client.get(page_url(world)).content.decode()
    assert "Open the decision meeting" not in page and 'name="rationale"' in page
    assert "Meeting open — 0 of 3 panel members have voted." in page


def test_a_vote_without_rationale_keeps_the_choice_and_says_why(client, light):
    english(client)
    services.meeting_open(application=light.application, by=light.recruiter)
    client.force_login(light.recruiter2)
    response = client.post(reverse("decisions:vote", args=[light.application.pk]), {"choice": "no_hire"})
    assert response.status_code == 200
    form = response.context["vote_form"]
    assert form.errors["rationale"] and form.data["choice"] == "no_hire"
    assert re.search(r'<input[^>]*value="no_hire"[^>]*checked', response.content.decode())
    assert not Vote.objects.exists()
    response = client.post(
        reverse("decisions:vote", args=[light.application.pk]),
        {"choice": "no_hire", "rationale": "Trop peu de preuves."},
    )
    assert response.status_code == 302
    assert Vote.objects.get().choice == "no_hire"
    page = client.get(page_url(light)).content.decode()
    assert "Your vote: Do not hire." in page and "Change my vote" in page
    assert "The votes stay hidden" in page and "Trop peu de preuves." in page  # in her own form only


def test_others_votes_are_not_on_the_page_until_everyone_voted(client, light):
    english(client)
    meeting = services.meeting_open(application=light.application, by=light.recruiter)
    services.vote_cast(meeting=meeting, by=light.recruiter2, choice="no_hire", rationale="Rationale-deux.")
    client.force_login(light.recruiter)
    page = client.get(page_url(light)).content.decode()
    assert "Rationale-deux." not in page and "The votes stay hidden" in page
    services.vote_cast(meeting=meeting, by=light.recruiter, choice="hire", rationale="Rationale-un.")
    services.vote_cast(meeting=meeting, by=light.ceo, choice="hire", rationale="Rationale-dg.")
    page = client.get(page_url(light)).content.decode()
    assert "Rationale-deux." in page and "Rationale-dg." in page and "The votes stay hidden" not in page


def test_a_decision_that_differs_without_reason_keeps_what_was_typed(client, light):
    english(client)
    services.meeting_open(application=light.application, by=light.recruiter)
    client.force_login(light.ceo)
    url = reverse("decisions:decide", args=[light.application.pk])
    response = client.post(url, {"decision": "hire", "rationale": "Ma conviction après les entretiens."})
    assert response.status_code == 200
    form = response.context["decision_form"]
    assert "differs_reason" in form.errors
    html = response.content.decode()
    assert "Ma conviction après les entretiens." in html
    assert DecisionMeeting.objects.get().is_open
    response = client.post(
        url,
        {
            "decision": "hire",
            "rationale": "Ma conviction.",
            "differs_reason": "Sessions à venir, référence forte.",
        },
    )
    assert response.status_code == 302
    page = client.get(page_url(light)).content.decode()
    assert "The decision differs from the reading." in page and "Sessions à venir, référence forte." in page


def test_the_swot_form_saves_and_keeps_input_on_error(client, light):
    english(client)
    client.force_login(light.recruiter)
    url = reverse("decisions:swot", args=[light.application.pk])
    too_long = "x" * 5001
    response = client.post(url, {"opportunities": too_long, "threats": "Contre-offre"})
    assert response.status_code == 200 and response.context["swot_form"].errors["opportunities"]
    assert "Contre-offre" in response.content.decode()
    response = client.post(url, {"opportunities": "Filiales", "threats": "Contre-offre"})
    assert response.status_code == 302
    stored = Application.objects.get(pk=light.application.pk)
    assert (stored.swot_opportunities, stored.swot_threats) == ("Filiales", "Contre-offre")


def test_the_ceo_reads_the_swot_but_has_no_form(client, world):
    client.force_login(world.ceo)
    response = client.get(page_url(world))
    assert response.context["swot_form"] is None and "Marché tendu" in response.content.decode()


def test_the_application_page_links_to_the_decision_at_the_decision_stage(client, world):
    client.force_login(world.recruiter)
    link = f'href="{page_url(world)}"'
    assert link in client.get(world.application.get_absolute_url()).content.decode()
    Application.objects.filter(pk=world.application.pk).update(stage="working_sessions")
    assert link not in client.get(world.application.get_absolute_url()).content.decode()


def test_the_page_reads_a_constant_number_of_queries_whatever_the_votes(client, light):
    meeting = services.meeting_open(application=light.application, by=light.recruiter)
    client.force_login(light.recruiter)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(page_url(light)).status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first read computes the mandate's statistics once
    services.vote_cast(meeting=meeting, by=light.recruiter, choice="hire", rationale="Un.")
    one = queries()
    services.vote_cast(meeting=meeting, by=light.recruiter2, choice="hire", rationale="Deux.")
    services.vote_cast(meeting=meeting, by=light.ceo, choice="no_hire", rationale="Trois.")
    assert queries() == one  # three visible votes, the same queries as one hidden


def test_requesting_a_report_warns_when_the_swot_is_empty(client, light, django_capture_on_commit_callbacks):
    english(client)
    client.force_login(light.recruiter)
    Application.objects.filter(pk=light.application.pk).update(swot_threats="")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("reports:request", args=[light.application.pk]))
    assert response.status_code == 302  # a warning, not a refusal
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("The SWOT has no threats yet" in t for t in texts), texts
    Application.objects.filter(pk=light.application.pk).update(swot_threats="Contre-offre")
    client.cookies.pop("messages", None)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("reports:request", args=[light.application.pk]))
    assert not any("SWOT" in str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_page_speaks_french_by_default_and_english(client, world, language):
    from django.conf import settings

    services.meeting_open(application=world.application, by=world.recruiter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(world.ceo)
    html = client.get(page_url(world)).content.decode()
    expected = {
        "fr": ("Réunion de décision", "Décision finale", "Recruter"),
        "en": ("Decision meeting", "Final decision", "Hire"),
    }
    for text in expected[language]:
        assert text in html


def test_the_admin_lists_meetings_and_votes_read_only(client, light):
    meeting = services.meeting_open(application=light.application, by=light.recruiter)
    services.vote_cast(meeting=meeting, by=light.recruiter, choice="hire", rationale="Oui.")
    admin = light.staff
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get(reverse("admin:decisions_decisionmeeting_changelist")).status_code == 200
    assert client.get(reverse("admin:decisions_vote_changelist")).status_code == 200
    change = client.get(reverse("admin:decisions_decisionmeeting_change", args=[meeting.pk]))
    assert change.status_code == 200 and "Oui." in change.content.decode()
    assert client.get(reverse("admin:decisions_decisionmeeting_add")).status_code == 403
    response = client.post(
        reverse("admin:decisions_vote_delete", args=[Vote.objects.get().pk]), {"post": "yes"}
    )
    assert response.status_code == 403 and Vote.objects.count() == 1
