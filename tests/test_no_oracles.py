"""No oracles, no stale access (issue 12, item 6).

* A candidate's e-mail is one person across mandates (``candidate_email_ci_unique``), so an address
  already held is refused — but what a recruiter is told depends only on what they may see: the
  answer for an address held by a candidate of a mandate they cannot see is byte for byte the
  answer for an address held by a person on file in no mandate at all (form and CSV import), and
  the other record is neither shown nor changed.
* A mediator removed from a mandate loses the sessions assigned to them in it.
* (The conflict messages that name only what the user can see are in tests/sessions/test_services.py.)
"""

import json
import re

import pytest
from django.urls import reverse

from candidates.models import Application, Candidate, ImportJob
from sessions.models import CalendarFeed, Observation
from tests.candidates.documents import upload
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory
from tests.reports.conftest import make_world

pytestmark = pytest.mark.django_db

ON_FILE = (
    "Cette adresse e-mail est déjà enregistrée et ne peut pas être utilisée ici\u202f; demandez à un "
    "administrateur, qui pourra ajouter la personne à ce mandat."
)
VISIBLE = "Cette adresse e-mail est déjà utilisée par une autre fiche candidat."


@pytest.fixture
def two_mandates(db):
    """Mandate A (recruiter ``rec``) and mandate B (another recruiter) with Bérénice Secrète in B
    only, and Odile Orpheline on file in no mandate."""
    rec = UserFactory(username="rec-a", groups=["recruiter"])
    mandate_a = MandateFactory(recruiters=[rec], slug="mandat-a")
    mandate_b = MandateFactory(slug="mandat-b")
    secret = ApplicationFactory(
        mandate=mandate_b,
        candidate=CandidateFactory(first_name="Bérénice", last_name="Secrète", email="berenice@example.org"),
    ).candidate
    orphan = CandidateFactory(first_name="Odile", last_name="Orpheline", email="odile@example.org")
    mine = ApplicationFactory(
        mandate=mandate_a,
        candidate=CandidateFactory(first_name="Marc", last_name="Mien", email="marc@example.org"),
    ).candidate
    return rec, mandate_a, mandate_b, secret, orphan, mine


def form_data(email, **extra):
    data = {
        "first_name": "Nina",
        "last_name": "Nouvelle",
        "email": email,
        "city": "Rennes",
        **{
            f"years_{code}": "1"
            for code in (
                "finance",
                "hr",
                "legal",
                "it",
                "sales_admin",
                "purchasing",
                "general_services",
                "communication",
                "quality",
            )
        },
    }
    data.update(extra)
    return data


def normalised(response, email):
    """The page with what differs by construction (the typed address, CSRF token, CSP nonce) masked."""
    html = response.content.decode()
    html = html.replace(email, "EMAIL")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return re.sub(r'nonce="[^"]+"', "NONCE", html)


def state(*candidates):
    return [
        (
            c.pk,
            *Candidate.objects.filter(pk=c.pk).values_list("first_name", "last_name", "city", "email").get(),
        )
        for c in candidates
    ], Application.objects.count()


def test_the_candidate_form_answers_another_mandates_address_as_an_address_on_file_in_no_mandate(
    client, two_mandates
):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(rec)
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate_a.slug})
    before = state(secret, orphan)

    elsewhere = client.post(url, form_data("Berenice@example.org"))
    nowhere = client.post(url, form_data("Odile@example.org"))

    assert elsewhere.status_code == nowhere.status_code == 200
    assert elsewhere.context["form"].errors == nowhere.context["form"].errors == {"email": [ON_FILE]}
    assert normalised(elsewhere, "Berenice@example.org") == normalised(nowhere, "Odile@example.org")
    html = elsewhere.content.decode()
    assert "Secrète" not in html and "Bérénice" not in html and "mandat" not in html.split(ON_FILE)[0][-200:]
    assert "autre mandat" not in html and "another mandate" not in html
    assert state(secret, orphan) == before  # nothing read into the page, nothing changed
    assert not mandate_a.applications.filter(candidate=secret).exists()


def test_the_edit_form_answers_the_same(client, two_mandates):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(rec)
    url = reverse("candidates:candidate_edit", kwargs={"pk": mine.pk})
    elsewhere = client.post(url, form_data("berenice@example.org"))
    nowhere = client.post(url, form_data("odile@example.org"))
    assert elsewhere.context["form"].errors == nowhere.context["form"].errors == {"email": [ON_FILE]}
    assert normalised(elsewhere, "berenice@example.org") == normalised(nowhere, "odile@example.org")
    assert Candidate.objects.get(pk=mine.pk).email == "marc@example.org"


def test_an_address_the_user_can_see_is_named_as_another_candidates(client, two_mandates):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(rec)
    response = client.post(
        reverse("candidates:candidate_create", kwargs={"slug": mandate_a.slug}), form_data("marc@example.org")
    )
    assert response.context["form"].errors == {"email": [VISIBLE]}


def test_staff_see_every_candidate_and_are_told_so(client, two_mandates):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(UserFactory(username="staff-oracle", is_staff=True))
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate_a.slug})
    for email in ("berenice@example.org", "odile@example.org"):
        assert client.post(url, form_data(email)).context["form"].errors == {"email": [VISIBLE]}


HEADER = "Nom;Prénom;E-mail;" + ";".join(
    f"{d} (ans)"
    for d in (
        "Finance",
        "RH",
        "Juridique",
        "IT",
        "ADV",
        "Achats",
        "Services généraux",
        "Communication",
        "Qualité",
    )
)


def import_preview(client, mandate, email, django_capture_on_commit_callbacks):
    content = "\r\n".join(
        [
            HEADER,
            "Nouvelle;Nina;nina@example.org;" + ";".join(["1"] * 9),
            f"Autre;Anne;{email};" + ";".join(["1"] * 9),
        ]
    ).encode("utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("candidates:import", kwargs={"slug": mandate.slug}),
            {"file": upload("c.csv", content, "text/csv"), "preview": ""},
        )
    return ImportJob.objects.order_by("-pk").first()


def test_the_import_preview_answers_another_mandates_address_as_an_address_on_file_in_no_mandate(
    client, two_mandates, django_capture_on_commit_callbacks
):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(rec)
    before = state(secret, orphan)
    elsewhere = import_preview(client, mandate_a, "berenice@example.org", django_capture_on_commit_callbacks)
    nowhere = import_preview(client, mandate_a, "odile@example.org", django_capture_on_commit_callbacks)

    assert elsewhere.result["errors"] == nowhere.result["errors"]
    assert [(e["line"], e["message"]) for e in elsewhere.result["errors"]] == [(3, ON_FILE)]
    as_json = json.dumps(elsewhere.result, sort_keys=True).replace("berenice@example.org", "EMAIL")
    assert as_json == json.dumps(nowhere.result, sort_keys=True).replace("odile@example.org", "EMAIL")
    page_elsewhere = client.get(elsewhere.get_absolute_url()).content.decode()
    page_nowhere = client.get(nowhere.get_absolute_url()).content.decode()
    mask = re.compile(
        rf"/imports/({elsewhere.pk}|{nowhere.pk})/|nonce=\"[^\"]+\"|csrfmiddlewaretoken\" value=\"[^\"]+\""
        r"|berenice@example.org|odile@example.org"
    )
    assert mask.sub("X", page_elsewhere) == mask.sub("X", page_nowhere)
    assert "autre mandat" not in page_elsewhere and "Secrète" not in page_elsewhere
    assert state(secret, orphan) == before


# ---------------------------------------------------------------------------- stale membership


@pytest.fixture
def removed(db):
    """The reports' world (two held and observed sessions of its mediator), then the mediator
    is removed from the mandate."""
    world = make_world(sessions=2)
    session = world.application.working_sessions.order_by("order").first()
    observation = Observation.objects.get(session=session, is_current=True)
    return world, session, observation


def urls_of(session, observation):
    return [
        reverse("working_sessions:detail", args=[session.pk]),
        reverse("working_sessions:ics", args=[session.pk]),
        reverse("working_sessions:observation", args=[observation.pk]),
    ]


def test_a_mediator_removed_from_a_mandate_loses_its_sessions(client, removed):
    world, session, observation = removed
    client.force_login(world.mediator)
    feed = CalendarFeed.objects.create(user=world.mediator)
    candidate = world.application.candidate.last_name
    for url in urls_of(session, observation):  # before: theirs
        assert client.get(url).status_code == 200, url
    assert candidate in client.get(reverse("working_sessions:mine")).content.decode()
    assert b"BEGIN:VEVENT" in client.get(f"/calendar/{feed.token}.ics").content

    world.mandate.mediators.remove(world.mediator)

    for url in urls_of(session, observation):
        assert client.get(url).status_code == 404, url
    for name in ("observation_tally", "observation_autosave", "observation_revise", "incident_add"):
        assert (
            client.post(reverse(f"working_sessions:{name}", args=[observation.pk]), {}).status_code == 404
        ), name
    incident = observation.incidents.first()
    assert client.post(reverse("working_sessions:incident_delete", args=[incident.pk])).status_code == 404
    assert client.post(reverse("working_sessions:observation_start", args=[session.pk])).status_code == 404
    mine = client.get(reverse("working_sessions:mine")).content.decode()
    assert candidate not in mine
    assert client.get(reverse("candidates:mandate_list")).status_code == 200  # no more "my sessions" landing
    feed_text = client.get(f"/calendar/{feed.token}.ics").content
    assert b"BEGIN:VEVENT" not in feed_text and candidate.encode() not in feed_text
    assert (
        client.get(reverse("candidates:application_detail", args=[world.application.pk])).status_code == 404
    )


def test_a_mediator_of_two_mandates_keeps_the_other_ones_sessions(client, removed):
    world, session, observation = removed
    other = ApplicationFactory(mandate=world.other_mandate)
    world.other_mandate.mediators.add(world.mediator)
    from tests.factories import WorkingSessionFactory

    kept = WorkingSessionFactory(application=other, mediator=world.mediator)
    world.mandate.mediators.remove(world.mediator)
    client.force_login(world.mediator)
    assert client.get(reverse("working_sessions:detail", args=[kept.pk])).status_code == 200
    assert client.get(reverse("working_sessions:detail", args=[session.pk])).status_code == 404
    assert other.candidate.last_name in client.get(reverse("working_sessions:mine")).content.decode()


def test_the_mandates_recruiters_still_read_the_removed_mediators_observation(client, removed):
    world, session, observation = removed
    world.mandate.mediators.remove(world.mediator)
    client.force_login(world.recruiter)
    response = client.get(reverse("working_sessions:detail", args=[session.pk]))
    assert response.status_code == 200
    from cso_recruit import access

    assert access.observation_visible(world.recruiter, observation)
    assert not access.observation_visible(world.mediator, observation)


def test_a_removed_mediator_gets_no_more_reminders_of_the_mandates_sessions(
    removed, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.core import mail

    from sessions.tasks import send_due_reminders
    from tests.factories import WorkingSessionFactory

    world, _session, _observation = removed
    planned = WorkingSessionFactory(application=world.application, mediator=world.mediator, order=3)
    world.mandate.mediators.remove(world.mediator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders((planned.starts_at - timedelta(hours=6)).isoformat())
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([world.ceo.email, world.application.candidate.email])
    assert world.mediator.email not in recipients
