"""No oracles, no stale access (issue 12, item 6).

* A candidate's e-mail is unique as far as the user can see (``candidates.selectors.email_holder``):
  an address held only in a mandate a recruiter cannot see (or by a person on file in no mandate)
  is, for them, an address nobody holds — the form creates a record of their own and the CSV import
  reports a new candidate, byte for byte as for an unknown address — and the other record is
  neither shown, attached nor changed. An address a candidate they can see holds is refused; staff
  see everyone.
* A mediator removed from a mandate loses the sessions assigned to them in it.
* (The conflict messages that name only what the user can see are in tests/sessions/test_services.py.)
"""

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from candidates.models import Application, Candidate, ImportJob
from sessions.models import CalendarFeed, Observation
from tests.candidates.documents import upload
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory
from tests.reports.conftest import make_world

pytestmark = pytest.mark.django_db

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


def created_page(client, response):
    """The page a creation leads to, with the new application's own numbers masked."""
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    html = re.sub(r"/(applications|candidates)/\d+/", "/X/", page.content.decode())
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return re.sub(r'nonce="[^"]+"', "NONCE", html)


@pytest.mark.parametrize("held", ["berenice@example.org", "Odile@example.org"])
def test_an_address_held_out_of_sight_is_a_new_address_on_the_candidate_form(client, two_mandates, held):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(rec)
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate_a.slug})
    before = state(secret, orphan)

    taken = client.post(url, form_data(held))
    taken_page = created_page(client, taken)
    fresh = client.post(url, form_data("personne@example.org"))
    fresh_page = created_page(client, fresh)

    assert taken_page.replace(held.lower(), "EMAIL") == fresh_page.replace("personne@example.org", "EMAIL")
    assert "Secrète" not in taken_page and "Orpheline" not in taken_page
    assert state(secret, orphan)[0] == before[0]  # the other record is neither read into the page nor changed
    assert not mandate_a.applications.filter(candidate__in=[secret, orphan]).exists()
    own = mandate_a.applications.get(candidate__email=held.lower()).candidate
    assert own.pk not in (secret.pk, orphan.pk) and own.email == held.lower() and own.city == "Rennes"
    assert Candidate.objects.filter(email=held.lower()).count() == 2


def test_the_edit_form_takes_an_address_held_out_of_sight(client, two_mandates):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(rec)
    response = client.post(
        reverse("candidates:candidate_edit", kwargs={"pk": mine.pk}), form_data("berenice@example.org")
    )
    assert response.status_code == 302
    assert Candidate.objects.get(pk=mine.pk).email == "berenice@example.org"
    assert Candidate.objects.get(pk=secret.pk).email == "berenice@example.org"  # untouched


def test_an_address_the_user_can_see_is_refused_as_another_candidates(client, two_mandates):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(rec)
    response = client.post(
        reverse("candidates:candidate_create", kwargs={"slug": mandate_a.slug}), form_data("MARC@example.org")
    )
    assert response.context["form"].errors == {"email": [VISIBLE]}
    assert 'value="MARC@example.org"' in response.content.decode()  # what was typed is kept
    assert Candidate.objects.filter(email="marc@example.org").count() == 1


def test_a_recruiter_of_both_mandates_sees_the_holder_and_is_refused(client, two_mandates):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    mandate_b.recruiters.add(rec)
    client.force_login(rec)
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate_a.slug})
    assert client.post(url, form_data("berenice@example.org")).context["form"].errors == {"email": [VISIBLE]}


def test_staff_see_every_candidate_and_are_refused_for_any_holder(client, two_mandates):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(UserFactory(username="staff-oracle", is_staff=True))
    url = reverse("candidates:candidate_create", kwargs={"slug": mandate_a.slug})
    for email in ("berenice@example.org", "odile@example.org"):
        assert client.post(url, form_data(email)).context["form"].errors == {"email": [VISIBLE]}


def test_the_service_checks_again_what_the_form_checked(two_mandates):
    """A second request that passed the form before the first one committed is refused by the
    service (under the mandate's row lock), not by a database error."""
    from django.core.exceptions import ValidationError

    from candidates.services import candidate_create

    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    data = {"first_name": "Nina", "last_name": "Nouvelle", "email": "marc@example.org"}
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        candidate_create(mandate=mandate_a, data=data, by=rec)
    assert caught.value.message_dict == {"email": [VISIBLE]}
    created = candidate_create(mandate=mandate_b, data={**data, "email": "odile@example.org"}, by=rec)
    assert created.candidate.pk != orphan.pk  # rec cannot see Odile: a record of their own


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


def test_the_import_preview_answers_an_address_held_out_of_sight_as_an_unknown_one(
    client, two_mandates, django_capture_on_commit_callbacks
):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(rec)
    before = state(secret, orphan)
    elsewhere = import_preview(client, mandate_a, "berenice@example.org", django_capture_on_commit_callbacks)
    nowhere = import_preview(client, mandate_a, "odile@example.org", django_capture_on_commit_callbacks)
    unknown = import_preview(client, mandate_a, "inconnue@example.org", django_capture_on_commit_callbacks)

    assert elsewhere.result["errors"] == [] and elsewhere.result["created"] == 2
    for job, email in ((nowhere, "odile@example.org"), (unknown, "inconnue@example.org")):
        as_json = json.dumps(job.result, sort_keys=True).replace(email, "EMAIL")
        assert as_json == json.dumps(elsewhere.result, sort_keys=True).replace(
            "berenice@example.org", "EMAIL"
        )
    pages = []
    for job, email in ((elsewhere, "berenice@example.org"), (unknown, "inconnue@example.org")):
        html = client.get(job.get_absolute_url()).content.decode()
        mask = re.compile(
            rf"/imports/{job.pk}/|nonce=\"[^\"]+\"|csrfmiddlewaretoken\" value=\"[^\"]+\"|{re.escape(email)}"
        )
        pages.append(mask.sub("X", html))
    assert pages[0] == pages[1]
    assert "autre mandat" not in pages[0] and "Secrète" not in pages[0]
    assert state(secret, orphan) == before


def test_importing_an_address_held_out_of_sight_creates_a_record_of_ones_own(two_mandates):
    from candidates.services import candidates_import

    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    content = "\r\n".join(
        [
            HEADER,
            "Secrète;Bérénice;berenice@example.org;" + ";".join(["2"] * 9),
            "Mien;Marc;MARC@example.org;" + ";".join(["3"] * 9),
        ]
    ).encode("utf-8")
    before = state(secret, orphan)
    report = candidates_import(mandate=mandate_a, data=content, by=rec)
    assert (
        report.saved and report.created == ["berenice@example.org"] and report.updated == ["marc@example.org"]
    )
    assert state(secret, orphan)[0] == before[0]
    own = mandate_a.applications.get(candidate__email="berenice@example.org").candidate
    assert own.pk != secret.pk and own.years_finance == 2
    assert not mandate_b.applications.filter(candidate=own).exists()
    # Imported again: the row now matches the record of this mandate, never the other one.
    again = candidates_import(mandate=mandate_a, data=content, by=rec)
    assert again.unchanged == ["berenice@example.org", "marc@example.org"] and again.created == []
    assert Candidate.objects.filter(email="berenice@example.org").count() == 2


def test_staff_importing_attach_the_person_already_on_file(two_mandates):
    from candidates.services import candidates_import

    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    content = "\r\n".join([HEADER, "Secrète;Bérénice;berenice@example.org;" + ";".join(["1"] * 9)]).encode()
    report = candidates_import(mandate=mandate_a, data=content, by=UserFactory(is_staff=True))
    assert report.saved and report.updated == ["berenice@example.org"]
    assert mandate_a.applications.filter(candidate=secret).exists()
    assert Candidate.objects.filter(email="berenice@example.org").count() == 1


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


def test_the_admin_refuses_an_address_any_other_candidate_uses(client, two_mandates):
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(UserFactory(username="admin-oracle", is_staff=True, is_superuser=True))
    url = reverse("admin:candidates_candidate_change", args=[mine.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update({"email": "Berenice@example.org", "gdpr_consent": "", "consent_date": ""})
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [VISIBLE]
    assert Candidate.objects.get(pk=mine.pk).email == "marc@example.org"


def test_a_record_keeps_its_unchanged_address_when_another_mandate_reused_it(client, two_mandates):
    """Staff see both records sharing an address (created by recruiters who share no mandate):
    editing one without changing its address is not refused."""
    rec, mandate_a, mandate_b, secret, orphan, mine = two_mandates
    client.force_login(rec)
    assert (
        client.post(
            reverse("candidates:candidate_create", kwargs={"slug": mandate_a.slug}),
            form_data("berenice@example.org"),
        ).status_code
        == 302
    )
    client.force_login(UserFactory(username="staff-edit", is_staff=True))
    response = client.post(
        reverse("candidates:candidate_edit", kwargs={"pk": secret.pk}),
        form_data("berenice@example.org", first_name="Bérénice", last_name="Secrète", city="Nantes"),
    )
    assert response.status_code == 302
    assert Candidate.objects.get(pk=secret.pk).city == "Nantes"
