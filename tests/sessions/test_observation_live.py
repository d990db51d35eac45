"""The live observation form without reloads (issue 15, item 6): the incident endpoints answer the
incidents block alone to the script (``X-Requested-With: fetch``) and a redirect or the whole page
to a plain form post; the session clock gives the new incident's minute; the incidents come before
"Submit and lock"; the touch-target classes are on the tally buttons and incident controls."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions import selectors, services
from sessions.models import CriticalIncident
from tests.sessions.conftest import observe

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "text/html"}
BEHAVIOUR = "Reformule la proposition du dirigeant avant d’y répondre."


@pytest.fixture
def live(world):
    """A draft observation of a session that started 25 minutes ago (90 minutes long)."""
    session = world.schedule(timezone.now() - timedelta(minutes=25, seconds=10))
    return services.observation_start(session=session, mediator=world.mediator)


def add_url(observation):
    return reverse("working_sessions:incident_add", kwargs={"pk": observation.pk})


def delete_url(incident):
    return reverse("working_sessions:incident_delete", kwargs={"pk": incident.pk})


def incident_post(**extra):
    return {"i-minute": "12", "i-who": "candidate", "i-tag": "rally", "i-behaviour": BEHAVIOUR, **extra}


def test_the_script_gets_the_incidents_block_alone_once_recorded(client, world, live):
    client.force_login(world.mediator)
    response = client.post(add_url(live), incident_post(), **FETCH)
    assert response.status_code == 200 and response["X-Fragment"] == "incidents"
    assert [t.name for t in response.templates][0] == "sessions/_incidents.html"
    html = response.content.decode()
    incident = live.incidents.get()
    assert (incident.minute, incident.who, incident.tag, incident.behaviour) == (
        12,
        "candidate",
        "rally",
        BEHAVIOUR,
    )
    assert BEHAVIOUR in html and "12′" in html
    assert 'role="status"' in html and "Incident recorded." in html
    assert delete_url(incident) in html
    assert "<html" not in html and "tally-count" not in html  # not the page: the rest is untouched
    # an empty add form again, its minute from the session clock (25 minutes since the start)
    assert response.context["incident_form"].is_bound is False
    assert 'name="i-minute" value="25"' in html
    assert BEHAVIOUR not in html.split("data-incident-add", 1)[1]


def test_a_refused_incident_comes_back_to_the_script_as_typed_with_its_errors(client, world, live):
    client.force_login(world.mediator)
    response = client.post(add_url(live), incident_post(**{"i-minute": "601"}), **FETCH)
    assert response.status_code == 422 and response["X-Fragment"] == "incidents"
    html = response.content.decode()
    assert "The minute must be between 0 and 600." in html
    assert 'value="601"' in html and BEHAVIOUR in html and 'aria-invalid="true"' in html
    assert not CriticalIncident.objects.exists()


def test_an_incident_on_a_locked_observation_is_refused_to_the_script(client, world):
    session = world.past_session()
    observation = observe(session)
    client.force_login(world.mediator)
    response = client.post(add_url(observation), incident_post(), **FETCH)
    assert response.status_code == 409 and response["X-Fragment"] == "incidents"
    html = response.content.decode()
    assert "This observation is submitted and locked" in html
    assert "data-incident-add" not in html  # no form on a locked observation
    assert not observation.incidents.exists()


def test_without_the_script_an_incident_is_added_with_a_redirect(client, world, live):
    client.force_login(world.mediator)
    response = client.post(add_url(live), incident_post())
    assert response.status_code == 302
    assert response.url == f"{live.get_absolute_url()}#incidents"
    assert live.incidents.count() == 1


def test_the_script_deletes_an_incident_and_gets_the_block_back(client, world, live):
    keep = services.incident_add(
        observation=live, by=world.mediator, minute=3, who="ceo", behaviour="Ouvre la séance."
    )
    gone = services.incident_add(
        observation=live, by=world.mediator, minute=9, who="both", behaviour=BEHAVIOUR
    )
    client.force_login(world.mediator)
    response = client.post(delete_url(gone), **FETCH)
    assert response.status_code == 200 and response["X-Fragment"] == "incidents"
    html = response.content.decode()
    assert list(live.incidents.values_list("pk", flat=True)) == [keep.pk]
    assert "Incident deleted." in html and "Ouvre la séance." in html and BEHAVIOUR not in html
    assert delete_url(keep) in html and delete_url(gone) not in html


def test_without_the_script_an_incident_is_deleted_with_a_redirect(client, world, live):
    incident = services.incident_add(
        observation=live, by=world.mediator, minute=3, who="ceo", behaviour="Ouvre."
    )
    client.force_login(world.mediator)
    response = client.post(delete_url(incident))
    assert response.status_code == 302 and response.url == f"{live.get_absolute_url()}#incidents"
    assert not live.incidents.exists()


def test_without_the_script_the_delete_button_opens_a_confirmation_page(client, world, live):
    incident = services.incident_add(
        observation=live,
        by=world.mediator,
        minute=7,
        who="ceo",
        behaviour=BEHAVIOUR,
        interpretation="Prudence.",
    )
    client.force_login(world.mediator)
    page = client.get(live.get_absolute_url()).content.decode()
    assert f'<form method="get" action="{delete_url(incident)}" data-incident-delete>' in page
    response = client.get(delete_url(incident))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Delete this incident?" in html and BEHAVIOUR in html and "Prudence." in html
    assert "Observation of Claire Testeuse, session 1." in html
    assert '<form method="post" class="d-flex flex-wrap gap-2">' in html and "Delete the incident" in html
    assert f'href="{live.get_absolute_url()}#incidents">Keep it</a>' in html
    assert live.incidents.count() == 1  # asking deletes nothing
    client.post(delete_url(incident))
    assert not live.incidents.exists()


def test_the_confirmation_page_of_a_locked_incident_sends_back_with_a_message(client, world):
    observation = observe(
        world.past_session(), incidents=[{"minute": 4, "who": "ceo", "behaviour": BEHAVIOUR}]
    )
    client.force_login(world.mediator)
    response = client.get(delete_url(observation.incidents.get()), follow=True)
    assert response.redirect_chain[-1][0] == observation.get_absolute_url()
    assert "This observation is submitted and locked" in response.content.decode()


def test_deleting_an_incident_of_a_locked_observation_is_refused_to_the_script(client, world):
    observation = observe(
        world.past_session(), incidents=[{"minute": 4, "who": "ceo", "behaviour": BEHAVIOUR}]
    )
    client.force_login(world.mediator)
    response = client.post(delete_url(observation.incidents.get()), **FETCH)
    assert response.status_code == 409 and response["X-Fragment"] == "incidents"
    assert observation.incidents.count() == 1


def test_another_mediator_cannot_delete_the_incident(client, world, live):
    incident = services.incident_add(
        observation=live, by=world.mediator, minute=3, who="ceo", behaviour="Ouvre."
    )
    client.force_login(world.mediator2)
    assert client.post(delete_url(incident), **FETCH).status_code == 404
    assert live.incidents.count() == 1


@pytest.mark.parametrize(
    ("started_minutes_ago", "expected"),
    [(-5, None), (0, 0), (25.5, 25), (600, 600), (601, None)],
    ids=["not-started", "start", "during", "bound", "past-the-bound"],
)
def test_the_session_clock_counts_whole_minutes_since_the_start(world, started_minutes_ago, expected):
    session = world.past_session()
    now = session.starts_at + timedelta(minutes=started_minutes_ago)
    assert selectors.session_minute(session, upper=600, now=now) == expected


def test_the_page_puts_the_incidents_before_submit_and_the_clock_data_on_the_section(client, world, live):
    client.force_login(world.mediator)
    html = client.get(live.get_absolute_url()).content.decode()
    assert html.index('id="incidents"') < html.index('name="submit"')
    assert html.index('name="save"') > html.index("Add the incident")
    assert html.count('form="observation-form"') == 2  # save and submit, outside the incidents' form
    start = timezone.localtime(live.session.starts_at).isoformat()
    assert f'data-session-start="{start}"' in html
    assert 'data-clock-max="600"' in html
    assert 'name="i-minute" value="25"' in html  # the clock's minute without JavaScript too
    assert html.count("tally-btn") == 48
    assert 'class="btn btn-outline-primary touch-target" type="submit">Add the incident' in html


def test_an_observation_without_a_clock_minute_leaves_the_minute_empty(client, world):
    observation = services.observation_start(session=world.past_session(days_ago=3), mediator=world.mediator)
    client.force_login(world.mediator)
    html = client.get(observation.get_absolute_url()).content.decode()
    assert 'name="i-minute" value=' not in html  # three days later: the mediator types it
    assert 'id="session-clock" data-clock hidden' in html
