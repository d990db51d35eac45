"""Working-session screens: the sealing rule on the session page (the CEO reads the mediator's
synthesis and incidents only after their own debrief; recruiters once submitted), the mediator's
"my sessions" (upcoming / to observe / drafts), the live observation form (12 IPA categories × 2
parties with labelled counters, JSON tally endpoint that also works as a plain form post, autosave
that stores ratings as typed, submit locks), the candidate's public debrief page (valid, tampered,
expired, used links) and the CEO's debrief form."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from sessions import ipa, services
from sessions.models import CriticalIncident, Debrief, IpaTally, Observation, WorkingSession
from tests.factories import ApplicationFactory, CandidateFactory
from tests.sessions.conftest import DAY, DAY_EN, at, observe, ratings

pytestmark = pytest.mark.django_db

SYNTHESIS = "Synthèse confidentielle : la candidate reformule avant de proposer."
BEHAVIOUR = "Conteste le chiffrage et demande la source des hypothèses."
INTERPRETATION = "Besoin de preuves avant d’accorder sa confiance."
SECRETS = (SYNTHESIS, BEHAVIOUR, INTERPRETATION)
HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def page(client, user, url, **extra):
    client.force_login(user)
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def dims_post(value):
    return {f"dim_{code}": str(v) for code, v in ratings(value).items()}


@pytest.fixture
def observed(world):
    session = world.past_session()
    observe(
        session,
        values=[4, 3, 4, 3, 4, 3, 4, 3, 4],
        verdict=ipa.TO_CONFIRM,
        synthesis=SYNTHESIS,
        incidents=[
            {
                "minute": 18,
                "who": "ceo",
                "behaviour": BEHAVIOUR,
                "interpretation": INTERPRETATION,
                "tag": "disagreement",
            }
        ],
    )
    session.refresh_from_db()
    return session


# ------------------------------------------------------------------------------ sealing


def test_ceo_sees_the_observation_only_after_their_debrief(client, world, observed):
    html = page(client, world.ceo, observed.get_absolute_url())
    assert all(secret not in html for secret in SECRETS)
    assert "opens to you once you have given your own debrief" in html
    assert reverse("working_sessions:ceo_debrief", kwargs={"session_pk": observed.pk}) in html

    response = client.post(
        reverse("working_sessions:ceo_debrief", kwargs={"session_pk": observed.pk}),
        {**dims_post(5), "comment": "Séance franche."},
    )
    assert response.status_code == 302 and response.url == observed.get_absolute_url()
    html = page(client, world.ceo, observed.get_absolute_url())
    assert all(secret in html for secret in SECRETS)
    assert "opens to you once" not in html


def test_ceo_application_page_counts_sealed_sessions(client, world, observed):
    url = reverse("working_sessions:application", kwargs={"application_pk": world.application.pk})
    client.force_login(world.ceo)
    response = client.get(url)
    assert response.context["compatibility"]["sealed_sessions"] == 1
    assert response.context["compatibility"]["held_sessions"] == 0
    assert response.context["form"] is None  # the CEO does not schedule


def test_recruiters_and_staff_see_a_submitted_observation(client, world, observed):
    for user in (world.recruiter, world.staff):
        html = page(client, user, observed.get_absolute_url())
        assert all(secret in html for secret in SECRETS), user
        assert "To confirm" in html


def test_a_draft_is_seen_by_its_mediator_only(client, world):
    session = world.past_session()
    observe(session, synthesis=SYNTHESIS, submit=False)
    assert SYNTHESIS in page(client, world.mediator, session.get_absolute_url())
    for user in (world.recruiter, world.staff, world.ceo):
        assert SYNTHESIS not in page(client, user, session.get_absolute_url()), user


def test_while_the_mediator_revises_others_still_read_the_submitted_observation(client, world, observed):
    observation = Observation.objects.get(session=observed)
    revision = services.observation_revise(observation=observation, by=world.mediator, reason="Relecture.")
    services.observation_save(observation=revision, by=world.mediator, synthesis="Brouillon de relecture.")
    html = page(client, world.recruiter, observed.get_absolute_url())
    assert SYNTHESIS in html and "Brouillon de relecture." not in html
    assert "Brouillon de relecture." in page(client, world.mediator, observed.get_absolute_url())
    response = client.get(
        reverse("working_sessions:application", kwargs={"application_pk": world.application.pk})
    )
    assert response.status_code == 404  # the mediator does not read the application page
    client.force_login(world.recruiter)
    response = client.get(
        reverse("working_sessions:application", kwargs={"application_pk": world.application.pk})
    )
    assert response.context["compatibility"]["held_sessions"] == 1


# ------------------------------------------------------------------------------ my sessions


def test_my_sessions_lists_upcoming_to_observe_drafts_and_done(client, world):
    upcoming = world.schedule(at(DAY, 10))
    to_observe = world.past_session(days_ago=2)
    draft = world.past_session(days_ago=3)
    observe(draft, submit=False)
    done = world.past_session(days_ago=4)
    observe(done)
    second = ApplicationFactory(mandate=world.mandate, candidate=CandidateFactory(email="n.deux@example.org"))
    no_show = world.past_session(days_ago=5, application=second)
    services.session_set_status(session=no_show, status="no_show", by=world.recruiter)
    cancelled = world.schedule(at(DAY + timedelta(days=1), 10), application=second)
    services.session_cancel(session=cancelled, by=world.recruiter, reason="Report.")
    world.schedule(
        at(DAY, 14),
        application=world.other_application,
        mediator=world.other_mediator,
        by=world.other_recruiter,
    )  # someone else's

    client.force_login(world.mediator)
    response = client.get(reverse("working_sessions:mine"))
    assert response.status_code == 200
    ctx = response.context
    assert (ctx["upcoming"], ctx["to_observe"], ctx["drafts"], ctx["done"]) == (
        [upcoming],
        [to_observe],
        [draft],
        [done],
    )
    html = response.content.decode()
    for heading in ("Observations in progress", "To observe", "Upcoming", "Observed"):
        assert heading in html
    assert reverse("working_sessions:observation_start", kwargs={"session_pk": to_observe.pk}) in html
    assert Observation.objects.get(session=draft).get_absolute_url() in html
    assert no_show.get_absolute_url() not in html and cancelled.get_absolute_url() not in html
    assert "Hugo Ailleurs" not in html

    client.force_login(world.mediator2)
    ctx = client.get(reverse("working_sessions:mine")).context
    assert ctx["upcoming"] == ctx["to_observe"] == ctx["drafts"] == ctx["done"] == []


def test_start_observing_from_my_sessions(client, world):
    session = world.past_session()
    client.force_login(world.mediator)
    response = client.post(reverse("working_sessions:observation_start", kwargs={"session_pk": session.pk}))
    observation = Observation.objects.get(session=session)
    assert response.status_code == 302 and response.url == observation.get_absolute_url()
    client.post(reverse("working_sessions:observation_start", kwargs={"session_pk": session.pk}))
    assert Observation.objects.count() == 1


# ------------------------------------------------------------------------------ observation form


@pytest.fixture
def draft(world):
    session = world.past_session()
    return services.observation_start(session=session, mediator=world.mediator)


def test_observation_page_has_24_labelled_counters(client, world, draft):
    html = page(client, world.mediator, draft.get_absolute_url())
    assert html.count('class="tally-count') == 24
    assert html.count('aria-label="Add one: ') == 24
    assert html.count('aria-label="Remove one: ') == 24
    for category in ipa.IPA_CATEGORIES:
        for party in ("CEO", "Candidate"):
            assert f'aria-label="Add one: {category.label_en}, {party}"' in html.replace("&#x27;", "'")
    assert html.count('name="category" value="') == 24
    for dimension in ipa.DIMENSIONS:
        assert f'name="dim_{dimension.code}"' in html
    assert 'data-autosave-url="' in html and "js/observation.js" in html


def tally_url(observation):
    return reverse("working_sessions:observation_tally", kwargs={"pk": observation.pk})


def test_tally_endpoint_returns_json_counts(client, world, draft):
    client.force_login(world.mediator)
    post = {"party": ipa.CANDIDATE, "category": "asks_opinion"}
    counts = [
        client.post(tally_url(draft), {**post, "delta": d}).json() for d in ("1", "1", "-1", "-1", "-1")
    ]
    assert counts == [{"ok": True, "count": n} for n in (1, 2, 1, 0, 0)]
    bad = client.post(tally_url(draft), {**post, "delta": "x"})
    assert bad.status_code == 400 and bad.json()["ok"] is False
    bad = client.post(tally_url(draft), {"party": "public", "category": "agrees", "delta": "1"})
    assert bad.status_code == 400 and bad.json()["error"]


def test_tally_works_as_a_plain_form_post(client, world, draft):
    """No JavaScript: the browser posts the counter's form and asks for a page; it comes back to the form."""
    client.force_login(world.mediator)
    response = client.post(
        tally_url(draft),
        {"party": ipa.CEO, "category": "gives_orientation", "delta": "1"},
        HTTP_ACCEPT=HTML_ACCEPT,
    )
    assert response.status_code == 302
    assert response.url == f"{draft.get_absolute_url()}#ipa-title"
    assert IpaTally.objects.get(observation=draft, party=ipa.CEO, category="gives_orientation").count == 1
    html = client.get(response.url).content.decode()
    assert ">1</output>" in html


def test_autosave_stores_ratings_as_typed(client, world, draft):
    client.force_login(world.mediator)
    url = reverse("working_sessions:observation_autosave", kwargs={"pk": draft.pk})
    response = client.post(
        url,
        {
            "dim_listening": "4",
            "dim_trust": "2",
            "verdict": "to_confirm",
            "confidence": "3",
            "synthesis": "Notes prises en direct.",
        },
    )
    assert response.status_code == 200 and response.json()["ok"] is True
    assert response.json()["saved_at"]
    draft.refresh_from_db()
    assert draft.ratings == {"listening": 4, "trust": 2}
    assert (draft.verdict, draft.confidence, draft.synthesis) == ("to_confirm", 3, "Notes prises en direct.")
    assert draft.status == "draft"

    bad = client.post(url, {"dim_listening": "7"})
    assert bad.status_code == 400 and "dim_listening" in bad.json()["errors"]
    draft.refresh_from_db()
    assert draft.ratings == {"listening": 4, "trust": 2}


def test_submitting_a_complete_observation_locks_it(client, world, draft):
    client.force_login(world.mediator)
    url = draft.get_absolute_url()
    incomplete = client.post(url, {"dim_listening": "4", "verdict": "compatible", "submit": ""})
    assert incomplete.status_code == 200
    assert "Rate every dimension" in incomplete.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.ratings == {"listening": 4}

    response = client.post(
        url,
        {
            **dims_post(4),
            "verdict": "compatible",
            "confidence": "4",
            "synthesis": "Bonne dynamique.",
            "submit": "",
        },
    )
    assert response.status_code == 302 and response.url == draft.session.get_absolute_url()
    draft.refresh_from_db()
    assert draft.status == "submitted" and draft.ratings == ratings(4)
    draft.session.refresh_from_db()
    assert draft.session.status == "held"

    autosave = client.post(
        reverse("working_sessions:observation_autosave", kwargs={"pk": draft.pk}),
        {**dims_post(1), "synthesis": "changé"},
    )
    assert autosave.status_code == 400
    assert (
        client.post(tally_url(draft), {"party": "ceo", "category": "agrees", "delta": "1"}).status_code == 400
    )
    client.post(url, {**dims_post(2), "verdict": "not_compatible", "confidence": "5", "submit": ""})
    draft.refresh_from_db()
    assert (draft.ratings, draft.verdict, draft.synthesis) == (ratings(4), "compatible", "Bonne dynamique.")
    html = client.get(url).content.decode()
    assert "Submit and lock" not in html
    assert html.count(" disabled>") >= 48  # the 24 counters' two buttons
    assert reverse("working_sessions:observation_revise", kwargs={"pk": draft.pk}) in html


def test_incidents_added_and_deleted_from_the_form(client, world, draft):
    client.force_login(world.mediator)
    response = client.post(
        reverse("working_sessions:incident_add", kwargs={"pk": draft.pk}),
        {
            "i-minute": "25",
            "i-who": "candidate",
            "i-tag": "rally",
            "i-behaviour": "Reprend l’idée du dirigeant.",
            "i-interpretation": "Construit sur l’idée de l’autre.",
        },
    )
    assert response.status_code == 302
    incident = draft.incidents.get()
    assert (incident.minute, incident.who, incident.interpretation) == (
        25,
        "candidate",
        "Construit sur l’idée de l’autre.",
    )
    client.post(reverse("working_sessions:incident_delete", kwargs={"pk": incident.pk}))
    assert not draft.incidents.exists()


def test_revision_from_the_form(client, world):
    session = world.past_session()
    observation = observe(session)
    client.force_login(world.mediator)
    url = reverse("working_sessions:observation_revise", kwargs={"pk": observation.pk})
    client.post(url, {"reason": ""})
    assert Observation.objects.count() == 1
    response = client.post(url, {"reason": "Erreur de saisie sur la confiance."})
    revision = Observation.objects.get(is_current=True)
    assert response.url == revision.get_absolute_url()
    assert (revision.revision, revision.status) == (2, "draft")


# ------------------------------------------------------------------------------ debriefs


def test_candidate_debrief_link_emailed_when_held_and_usable_without_login(
    client, world, django_capture_on_commit_callbacks
):
    session = world.past_session()
    with django_capture_on_commit_callbacks(execute=True):
        observe(session)
    (message,) = [m for m in mail.outbox if m.to == ["claire.testeuse@example.org"]]
    link = next(line for line in message.body.splitlines() if "/debrief/" in line)
    path = link.split("127.0.0.1:8000", 1)[1]

    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Send my debrief" in html
    assert all(f'name="dim_{d.code}"' in html for d in ipa.DIMENSIONS)
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]

    response = client.post(path, {**dims_post(3), "comment": "J’ai pu exposer ma démarche."})
    assert response.status_code == 200
    assert "your debrief is recorded" in response.content.decode()
    assert Debrief.objects.get(session=session, party="candidate").ratings == ratings(3)

    used = client.get(path)
    assert used.status_code == 410
    assert "This link has already been used" in used.content.decode()
    assert "Send my debrief" not in used.content.decode()


def test_candidate_debrief_incomplete_form_keeps_the_link(client, world, observed):
    token = services.debrief_invitation_create(session=observed)
    url = reverse("working_sessions:candidate_debrief", kwargs={"token": token})
    response = client.post(url, {"dim_listening": "3"})
    assert response.status_code == 200
    assert not Debrief.objects.filter(party="candidate").exists()
    assert client.get(url).status_code == 200


def test_tampered_candidate_link_is_a_clear_404_without_session_details(client, world, observed):
    token = services.debrief_invitation_create(session=observed)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = client.get(reverse("working_sessions:candidate_debrief", kwargs={"token": tampered}))
    assert response.status_code == 404
    html = response.content.decode()
    assert "This link is not valid" in html
    for detail in (
        "Claire",
        "Testeuse",
        observed.application.mandate.company.name,
        "Salle Lumière",
        "dim_listening",
        "Send my debrief",
    ):
        assert detail not in html
    posted = client.post(
        reverse("working_sessions:candidate_debrief", kwargs={"token": tampered}), dims_post(3)
    )
    assert posted.status_code == 404
    assert not Debrief.objects.filter(party="candidate").exists()


def test_expired_candidate_link_is_a_clear_410(client, world, observed, monkeypatch):
    token = services.debrief_invitation_create(session=observed)
    monkeypatch.setattr(services, "DEBRIEF_MAX_AGE", timedelta(seconds=-1))
    response = client.get(reverse("working_sessions:candidate_debrief", kwargs={"token": token}))
    assert response.status_code == 410
    html = response.content.decode()
    assert "This link has expired" in html
    assert "Claire" not in html and "Send my debrief" not in html


def test_ceo_debrief_form(client, world, observed):
    url = reverse("working_sessions:ceo_debrief", kwargs={"session_pk": observed.pk})
    html = page(client, world.ceo, url)
    assert "My debrief of session 1 with Claire Testeuse" in html
    assert all(f'name="dim_{d.code}"' in html for d in ipa.DIMENSIONS)

    incomplete = client.post(url, {"dim_listening": "4"})
    assert incomplete.status_code == 200
    assert not Debrief.objects.exists()

    response = client.post(url, {**dims_post(4), "comment": "Échanges francs."})
    assert response.status_code == 302
    debrief = Debrief.objects.get()
    assert (debrief.party, debrief.ratings, debrief.comment) == ("ceo", ratings(4), "Échanges francs.")
    html = page(client, world.ceo, url)
    assert "already recorded" in html and "Send my debrief" not in html
    client.post(url, {**dims_post(1)})
    assert Debrief.objects.get().ratings == ratings(4)


def test_ceo_debrief_of_a_session_not_held_is_refused_with_a_message(client, world):
    session = world.schedule(at(DAY, 10))
    client.force_login(world.ceo)
    response = client.post(
        reverse("working_sessions:ceo_debrief", kwargs={"session_pk": session.pk}), dims_post(4)
    )
    assert response.status_code == 200
    assert "A debrief is given after a held session." in response.content.decode()
    assert not Debrief.objects.exists()


@pytest.mark.parametrize(
    ("status", "why"),
    [
        ("planned", "This session is not marked held yet."),
        ("no_show", "This session is marked no-show."),
        ("cancelled", "This session is cancelled."),
    ],
)
def test_ceo_debrief_page_of_a_session_not_held_says_why_and_shows_no_form(client, world, status, why):
    session = world.past_session()
    if status == "no_show":
        services.session_set_status(session=session, status="no_show", by=world.recruiter)
    elif status == "cancelled":
        session = world.schedule(at(DAY, 10))
        services.session_cancel(session=session, by=world.recruiter, reason="Annulée.")
    url = reverse("working_sessions:ceo_debrief", kwargs={"session_pk": session.pk})
    html = page(client, world.ceo, url)
    assert f"A debrief is given after a held session. {why}" in html
    assert 'name="dim_' not in html and "Send my debrief" not in html
    assert session.get_absolute_url() in html

    response = client.post(url, {**dims_post(4), "comment": "Tentative."})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"A debrief is given after a held session. {why}" in html
    assert 'name="dim_' not in html
    assert not Debrief.objects.exists()


def test_no_observation_button_on_a_no_show_session(client, world):
    session = world.past_session()
    services.session_set_status(session=session, status="no_show", by=world.recruiter)
    html = page(client, world.mediator, session.get_absolute_url())
    assert reverse("working_sessions:observation_start", kwargs={"session_pk": session.pk}) not in html
    response = client.post(
        reverse("working_sessions:observation_start", kwargs={"session_pk": session.pk}), follow=True
    )
    assert "marked no-show" in response.content.decode()
    assert not Observation.objects.exists()


# ------------------------------------------------------------------------------ schedule / manage


def test_schedule_from_the_application_page_explains_conflicts(client, world):
    world.schedule(at(DAY, 10))
    client.force_login(world.recruiter)
    response = client.post(
        reverse("working_sessions:application", kwargs={"application_pk": world.application.pk}),
        {
            "date": DAY.isoformat(),
            "start": "11:00",
            "end": "12:00",
            "tz": "Europe/Paris",
            "location": "Visio",
            "problem": "Budget RH.",
            "mediator": world.mediator2.pk,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f"The CEO already has a working session from {DAY_EN} 10:00 to {DAY_EN} 11:30." in html
    assert "The candidate already has a working session" in html
    assert 'value="11:00"' in html


def test_reschedule_and_cancel_from_the_session_page(client, world):
    session = world.schedule(at(DAY, 10))
    client.force_login(world.recruiter)
    html = client.get(session.get_absolute_url()).content.decode()
    assert f'value="{DAY.isoformat()}"' in html and 'value="10:00"' in html and 'value="11:30"' in html

    response = client.post(
        session.get_absolute_url(),
        {
            "action": "reschedule",
            "r-date": (DAY + timedelta(days=1)).isoformat(),
            "r-start": "09:00",
            "r-end": "10:00",
            "r-tz": "Europe/London",
            "r-reason": "Comité déplacé.",
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.starts_at, session.sequence, session.timezone) == (
        at(DAY + timedelta(days=1), 9, tz="Europe/London"),
        1,
        "Europe/London",
    )

    response = client.post(session.get_absolute_url(), {"action": "cancel", "c-reason": ""})
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.status == "planned"
    response = client.post(session.get_absolute_url(), {"action": "cancel", "c-reason": "Désistement."})
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.status, session.sequence) == ("cancelled", 2)
    history = client.get(session.get_absolute_url()).content.decode()
    assert history.count("<li>") >= 3


def test_mark_held_from_the_session_page(client, world):
    future = world.schedule(at(DAY, 10))
    past = world.past_session()
    client.force_login(world.recruiter)
    response = client.post(future.get_absolute_url(), {"action": "held"}, follow=True)
    assert "The session has not started yet." in response.content.decode()
    client.post(past.get_absolute_url(), {"action": "held"})
    past.refresh_from_db()
    future.refresh_from_db()
    assert (past.status, future.status) == ("held", "planned")
    assert timezone.now() > past.starts_at


# ------------------------------------------------------------------------------ refused posts keep what was typed


def incident_url(observation):
    return reverse("working_sessions:incident_add", kwargs={"pk": observation.pk})


TYPED_BEHAVIOUR = "Coupe la parole au dirigeant pendant le chiffrage"
TYPED_INTERPRETATION = "Impatience devant les hypotheses"


@pytest.mark.parametrize(
    ("post", "field", "error"),
    [
        ({"i-minute": "601"}, "minute", "The minute must be between 0 and 600."),
        ({"i-minute": "-1"}, "minute", "The minute must be between 0 and 600."),
        ({"i-behaviour": ""}, "behaviour", "This field is required."),
    ],
    ids=["minute-601", "minute-negative", "no-behaviour"],
)
def test_a_refused_incident_shows_the_observation_page_again_with_the_errors_and_the_typed_texts(
    client, world, draft, post, field, error
):
    client.force_login(world.mediator)
    edit = client.get(draft.get_absolute_url())
    data = {
        "i-minute": "25",
        "i-who": "candidate",
        "i-tag": "disagreement",
        "i-behaviour": TYPED_BEHAVIOUR,
        "i-interpretation": TYPED_INTERPRETATION,
        **post,
    }
    response = client.post(incident_url(draft), data)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "sessions/observation_form.html"
    # the same page as the observation form: the same context (one helper builds both)
    assert response.context.keys() >= edit.context.keys() >= {"incident_form", "revision_form", "tallies"}
    form = response.context["incident_form"]
    assert form.is_bound and form.errors[field] == [error]
    html = response.content.decode()
    assert error in html
    assert "The incident was not recorded: correct the fields below." in html
    assert 'aria-invalid="true"' in html and f'id="id_i-{field}_error"' in html
    if data["i-behaviour"]:
        assert TYPED_BEHAVIOUR in html
    assert TYPED_INTERPRETATION in html
    assert f'value="{data["i-minute"]}"' in html
    assert 'value="disagreement" selected' in html
    assert html.count('class="tally-count') == 24  # the whole observation page, not a fragment
    assert not CriticalIncident.objects.exists()


def test_the_incident_form_posts_back_to_the_incidents_section(client, world, draft):
    html = page(client, world.mediator, draft.get_absolute_url())
    assert f'action="{incident_url(draft)}#incidents"' in html


def test_an_incident_on_a_locked_observation_is_refused_with_a_message(client, world, observed):
    observation = Observation.objects.get(session=observed)
    client.force_login(world.mediator)
    response = client.post(
        incident_url(observation),
        {"i-minute": "3", "i-who": "ceo", "i-tag": "other", "i-behaviour": "Tardif."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == observation.get_absolute_url()
    assert "This observation is submitted and locked" in response.content.decode()
    assert observation.incidents.count() == 1  # the fixture's, nothing more


def revise_url(observation):
    return reverse("working_sessions:observation_revise", kwargs={"pk": observation.pk})


def test_a_too_long_revision_reason_says_so_and_keeps_the_text(client, world, observed):
    observation = Observation.objects.get(session=observed)
    client.force_login(world.mediator)
    reason = "Relecture des notes apres le debrief. " * 27 + "Fin."  # 1,030 characters
    assert len(reason) > 1000
    response = client.post(revise_url(observation), {"reason": reason})
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "sessions/observation_form.html"
    assert response.context["revision_form"].errors["reason"] == [
        f"Ensure this value has at most 1000 characters (it has {len(reason)})."
    ]
    html = response.content.decode()
    assert f"Ensure this value has at most 1000 characters (it has {len(reason)})." in html
    assert "A reason is required" not in html
    assert reason.strip() in html
    assert 'maxlength="1000"' in html and f'action="{revise_url(observation)}#revision"' in html
    assert Observation.objects.count() == 1


def test_an_empty_revision_reason_is_asked_for_on_the_page(client, world, observed):
    observation = Observation.objects.get(session=observed)
    client.force_login(world.mediator)
    response = client.post(revise_url(observation), {"reason": ""})
    assert response.status_code == 200
    assert "A reason is required to revise a submitted observation." in response.content.decode()
    assert Observation.objects.count() == 1


def test_a_revision_of_an_observation_no_longer_current_is_refused_with_a_message(client, world, observed):
    observation = Observation.objects.get(session=observed)
    services.observation_revise(observation=observation, by=world.mediator, reason="Relecture.")
    client.force_login(world.mediator)
    response = client.post(revise_url(observation), {"reason": "Encore."}, follow=True)
    assert "Only the current submitted observation can be revised." in response.content.decode()
    assert Observation.objects.count() == 2


# ------------------------------------------------------------------------------ dates out of range


OUT_OF_RANGE = "This date is out of range: a working session must start no more than 366 days ago"


@pytest.mark.parametrize(
    ("day", "start", "end", "tz"),
    [
        ("0001-01-01", "10:00", "11:00", "Europe/Paris"),
        ("9999-12-31", "10:00", "11:00", "Europe/Paris"),
        # at the edge of Python's datetimes: not even expressible in UTC (a form error, not a crash)
        ("0001-01-01", "00:00", "01:00", "Europe/Paris"),
        ("9999-12-31", "22:00", "23:00", "America/Montreal"),
    ],
    ids=["year-1", "year-9999", "year-1-before-utc", "year-9999-after-utc"],
)
def test_an_absurd_date_is_refused_on_the_schedule_form(client, world, day, start, end, tz):
    client.force_login(world.recruiter)
    response = client.post(
        reverse("working_sessions:application", kwargs={"application_pk": world.application.pk}),
        {
            "date": day,
            "start": start,
            "end": end,
            "tz": tz,
            "location": "Visio",
            "problem": "Budget RH.",
            "mediator": world.mediator.pk,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert OUT_OF_RANGE in html, response.context["form"].errors
    assert f'value="{day}"' in html
    assert not WorkingSession.objects.exists()


def test_a_reschedule_years_ahead_is_refused_on_the_session_page(client, world):
    session = world.schedule(at(DAY, 10))
    client.force_login(world.recruiter)
    response = client.post(
        session.get_absolute_url(),
        {
            "action": "reschedule",
            "r-date": f"{DAY.year + 5}-03-12",
            "r-start": "09:00",
            "r-end": "10:00",
            "r-tz": "Europe/Paris",
        },
    )
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()
    session.refresh_from_db()
    assert (session.starts_at, session.sequence) == (at(DAY, 10), 0)


# ------------------------------------------------------------------------------ no-show once observed


def test_an_observed_session_cannot_be_marked_no_show_from_the_session_page(client, world, observed):
    client.force_login(world.recruiter)
    response = client.post(observed.get_absolute_url(), {"action": "no_show"})
    assert response.status_code == 200
    assert (
        "This session has a submitted observation: it took place and cannot be marked no-show."
        in response.content.decode()
    )
    observed.refresh_from_db()
    assert observed.status == "held"


# ------------------------------------------------------------------------------ candidate debrief of a session not held


@pytest.mark.parametrize(
    ("status", "why"),
    [("planned", "This session is not marked held yet."), ("no_show", "This session is marked no-show.")],
)
def test_candidate_debrief_of_a_session_not_held_says_why_and_saves_nothing(client, world, status, why):
    session = world.past_session()
    if status == "no_show":
        services.session_set_status(session=session, status="no_show", by=world.recruiter)
    token = services.debrief_invitation_create(session=session)
    url = reverse("working_sessions:candidate_debrief", kwargs={"token": token})
    for response in (client.get(url), client.post(url, {**dims_post(3), "comment": "Tentative."})):
        assert response.status_code == 200
        html = response.content.decode()
        assert f"A debrief is given after a held session. {why}" in html
        assert 'name="dim_' not in html and "Send my debrief" not in html
        assert session.get_absolute_url() not in html  # the candidate has no account: no link to it
    assert not Debrief.objects.exists()
    assert services.debrief_invitation_check(token).used_at is None


def test_candidate_debrief_refused_by_the_service_meanwhile_shows_the_same_page(
    client, world, observed, monkeypatch
):
    """The page was opened while held; the session is no longer held when the post reaches the service."""
    token = services.debrief_invitation_create(session=observed)
    url = reverse("working_sessions:candidate_debrief", kwargs={"token": token})
    real = services.debrief_invitation_check

    def check_then_no_show(value):
        invitation = real(value)
        WorkingSession.objects.filter(pk=observed.pk).update(status="no_show")
        return invitation

    monkeypatch.setattr(services, "debrief_invitation_check", check_then_no_show)
    response = client.post(url, dims_post(3))
    assert response.status_code == 200
    assert (
        "A debrief is given after a held session. This session is marked no-show."
        in response.content.decode()
    )
    assert not Debrief.objects.exists()


# ------------------------------------------------------------------------------ translated messages for the script


def test_the_observation_script_gets_its_messages_from_the_page(client, world, draft):
    html = page(client, world.mediator, draft.get_absolute_url())
    # the IPA table, the observation form and the incidents section
    assert html.count('data-offline-message="Not saved — check the connection."') == 3
    assert 'data-error-message="The count was not saved."' in html
    assert 'data-error-message="The draft was not saved: check the fields."' in html
    assert 'data-error-message="The incident was not saved."' in html
    assert 'data-confirm-delete="Delete this incident? This cannot be undone."' in html
    client.cookies["django_language"] = "fr"
    french = client.get(draft.get_absolute_url()).content.decode()
    assert french.count("data-offline-message=") == 3 and '<html lang="fr"' in french


def test_the_observation_script_has_no_language_logic():
    from django.contrib.staticfiles import finders

    with open(finders.find("js/observation.js"), encoding="utf-8") as script:
        source = script.read()
    for text in (
        "Erreur",
        "vérifiez",
        "Non enregistré",
        "documentElement.lang",
        "check the connection",
        "Supprimer",
    ):
        assert text not in source
    assert (
        "dataset.offlineMessage" in source and "errorMessage" in source and "dataset.confirmDelete" in source
    )


def test_the_reschedule_form_fills_the_date_field_in_the_format_browsers_read(client, world):
    """An ``<input type="date">`` only takes YYYY-MM-DD: a localised value (15/12/2026) would leave
    it empty, and changing only the time would then fail on "Date: required"."""
    from django.conf import settings

    future = world.schedule(at(DAY, 10))
    client.force_login(world.recruiter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"  # where dates read 15/12/2026
    html = client.get(future.get_absolute_url()).content.decode()
    day = timezone.localtime(future.starts_at, ZoneInfo("Europe/Paris")).date().isoformat()
    assert re.search(rf'<input type="date" name="[\w-]*date" value="{day}"', html)


def test_held_and_no_show_are_offered_only_once_the_session_has_started(client, world):
    future = world.schedule(at(DAY, 10))
    started = world.past_session(days_ago=1)
    client.force_login(world.recruiter)
    assert 'value="held"' not in client.get(future.get_absolute_url()).content.decode()
    assert "Once the session has started" in client.get(future.get_absolute_url()).content.decode()
    assert 'value="held"' in client.get(started.get_absolute_url()).content.decode()
