"""The offer page: terms form (keeps what was typed on error, French decimals), approver list
editor, submission, the approver's decision, the candidate's answer, the timeline; the link from
the application page; the "À faire" items; a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from offers import services
from offers.models import Offer
from tests.factories import approved_offer, offer_terms

pytestmark = pytest.mark.django_db


def as_user(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def url(w, name="offer"):
    return reverse(f"offers:{name}", kwargs={"pk": w.application.pk})


TERMS = {
    "title": "Directrice des fonctions support",
    "start_date": "2027-04-01",
    "currency": "EUR",
    "fixed_pay": "150000",
    "variable_pay": "20000",
    "trial_months": "4",
    "notes": "Voiture de fonction.",
}


def test_the_application_page_links_to_the_offer_at_stage_offer(client, w):
    html = as_user(client, w.recruiter).get(w.application.get_absolute_url()).content.decode()
    assert f'href="{url(w)}"' in html
    w.application.stage = "decision"
    w.application.save()
    assert f'href="{url(w)}"' not in client.get(w.application.get_absolute_url()).content.decode()


def test_french_amounts_are_read_with_a_comma(client, w):
    response = as_user(client, w.recruiter, "fr").post(url(w), {**TERMS, "fixed_pay": "152000,50"})
    assert response.status_code == 302
    offer = Offer.objects.get()
    assert offer.fixed_pay == Decimal("152000.50") and offer.notes == "Voiture de fonction."
    html = client.get(url(w)).content.decode()
    assert "152\u00a0000,50 EUR" in html or "152 000,50 EUR" in html


def test_bad_terms_keep_what_was_typed(client, w):
    as_user(client, w.recruiter)
    response = client.post(url(w), {**TERMS, "fixed_pay": "0", "trial_months": "9"})
    assert response.status_code == 400
    form = response.context["terms_form"]
    assert set(form.errors) == {"fixed_pay", "trial_months"}
    html = response.content.decode()
    assert 'value="Directrice des fonctions support"' in html and "Voiture de fonction." in html
    assert not Offer.objects.exists()


def test_the_approver_list_editor_keeps_the_order_and_refuses_a_list_without_the_ceo(client, w):
    offer = services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    as_user(client, w.recruiter)
    response = client.post(url(w, "offer_approvers"), {"approver_1": w.second.pk})
    assert response.status_code == 400
    assert "must approve the offer" in response.content.decode()
    assert response.context["approvers_form"]["approver_1"].value() == str(w.second.pk)
    response = client.post(
        url(w, "offer_approvers"),
        {"approver_1": w.mediator.pk, "approver_3": w.second.pk, "approver_4": w.ceo.pk},
    )
    assert response.status_code == 302
    assert list(offer.approvers.values_list("position", "user")) == [
        (1, w.mediator.pk),
        (2, w.second.pk),
        (3, w.ceo.pk),
    ]
    html = client.get(url(w)).content.decode()
    assert f'<option value="{w.second.pk}" selected>Hugo Petit</option>' in html
    assert f'<option value="{w.outsider.pk}"' not in html  # not a member of the mandate


def test_submit_then_the_approvers_decide_in_order_on_the_page(client, w):
    offer = services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    services.offer_approvers_set(offer=offer, by=w.recruiter, users=[w.second, w.ceo])
    as_user(client, w.recruiter)
    assert client.post(url(w, "offer_submit")).status_code == 302
    page = client.get(url(w))
    assert page.context["terms_form"] is None if "terms_form" in page.context else True
    assert "Waiting for approver 1: Hugo Petit." in page.content.decode()
    assert 'name="decision"' not in page.content.decode()  # the recruiter is not approver 1

    as_user(client, w.ceo)
    response = client.post(url(w, "offer_decide"), {"decision": "approved"})
    assert response.status_code == 400
    assert "Approver 1 (Hugo Petit) decides first." in response.content.decode()

    as_user(client, w.second)
    response = client.post(url(w, "offer_decide"), {"decision": "rejected", "comment": ""})
    assert response.status_code == 400 and "comment" in response.context["decision_form"].errors
    assert client.post(url(w, "offer_decide"), {"decision": "approved", "comment": "OK"}).status_code == 302

    as_user(client, w.ceo)
    html = client.get(url(w)).content.decode()
    assert "Your decision (approver 2)" in html
    assert client.post(url(w, "offer_decide"), {"decision": "approved"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == "approved"
    timeline = client.get(url(w)).content.decode().split('id="offer-timeline"')[1].split("</ol>")[0]
    assert timeline.count("<li") == 3
    assert "Submitted for approval" in timeline and "Nadia Leroy" in timeline and "Paul Girard" in timeline


def test_the_candidates_answer_is_recorded_with_its_date(client, w):
    offer = approved_offer(w.application)
    as_user(client, w.recruiter)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(url(w, "offer_respond"), {"answer": "accepted", "on_date": tomorrow})
    assert response.status_code == 400 and "on_date" in response.context["response_form"].errors
    assert response.context["response_form"]["on_date"].value() == tomorrow
    before = (timezone.localdate() - timedelta(days=2)).isoformat()  # before the submission (today)
    response = client.post(url(w, "offer_respond"), {"answer": "accepted", "on_date": before})
    assert response.status_code == 400 and "on_date" in response.context["response_form"].errors
    day = timezone.localdate().isoformat()
    assert client.post(url(w, "offer_respond"), {"answer": "accepted", "on_date": day}).status_code == 302
    offer.refresh_from_db()
    assert (offer.status, offer.responded_on.isoformat()) == ("accepted", day)
    response = client.post(w.application.get_absolute_url(), {"to_stage": "hired"})
    assert response.status_code == 302
    w.application.refresh_from_db()
    assert w.application.stage == "hired"


def test_the_move_to_hired_says_why_it_is_refused(client, w):
    as_user(client, w.recruiter)
    response = client.post(w.application.get_absolute_url(), {"to_stage": "hired"})
    assert response.status_code == 200
    assert "there is no offer yet" in " ".join(response.context["form"].errors["to_stage"])


def test_the_todo_page_lists_the_approval_owed(client, w):
    offer = services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    services.offer_submit(offer=offer, by=w.recruiter)  # the CEO alone
    html = as_user(client, w.ceo).get(reverse("working_sessions:todo")).content.decode()
    assert "Your approval of the offer" in html and f'href="{url(w)}"' in html and "Claire Dubois" in html
    html = as_user(client, w.second).get(reverse("working_sessions:todo")).content.decode()
    assert "Your approval of the offer" not in html


def test_the_french_page(client, w):
    approved_offer(w.application)
    html = as_user(client, w.recruiter, "fr").get(url(w)).content.decode()
    assert "Offre à Claire Dubois" in html
    assert "Approuvée" in html and "Soumise pour approbation" in html
    assert "La réponse du candidat" in html


def test_the_page_reads_in_a_fixed_number_of_queries(client, w, django_assert_max_num_queries):
    offer = approved_offer(w.application, approvers=[w.second, w.mediator])
    as_user(client, w.recruiter)
    client.get(url(w))
    with django_assert_max_num_queries(18) as first:
        client.get(url(w))
    services.offer_withdraw(offer=offer, by=w.recruiter)
    services.offer_submit(offer=offer, by=w.recruiter)
    for user in (w.second, w.mediator, w.ceo):
        services.approval_decide(offer=offer, by=user, decision="approved")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url(w))


def test_the_summary_command_gives_the_offer(w):
    import json
    from io import StringIO

    from django.core.management import call_command

    offer = services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    services.offer_approvers_set(offer=offer, by=w.recruiter, users=[w.second, w.ceo])
    services.offer_submit(offer=offer, by=w.recruiter)
    approval = services.approval_decide(offer=offer, by=w.second, decision="approved", comment="Oui.")
    out = StringIO()
    call_command("assessment_summary", str(w.application.pk), "--json", stdout=out)
    data = json.loads(out.getvalue())["offer"]
    assert (data["status"], data["round"], data["approved"]) == ("pending", 1, False)
    assert data["current_approver"] == {"username": "dg-offre", "name": "Paul Girard", "order": 2}
    assert data["approvals"] == [
        {
            "order": 1,
            "username": "rec2-offre",
            "name": "Hugo Petit",
            "decision": "approved",
            "decided_at": approval.decided_at.isoformat(),
            "comment": "Oui.",
        },
        {
            "order": 2,
            "username": "dg-offre",
            "name": "Paul Girard",
            "decision": None,
            "decided_at": None,
            "comment": "",
        },
    ]
    from django.utils import translation

    with translation.override("en"):
        text = StringIO()
        call_command("assessment_summary", str(w.application.pk), stdout=text)
    assert "offer: Awaiting approval (round 1)" in text.getvalue()
    assert "1. Hugo Petit: approved" in text.getvalue() and "2. Paul Girard: —" in text.getvalue()


def test_the_demo_has_an_offer_awaiting_the_ceo(db, settings):
    from io import StringIO

    from django.core.management import call_command

    from candidates.models import Application
    from offers import selectors
    from sessions import todo

    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    application = Application.objects.get(candidate__email="as.roux-lambert@example.org")
    status = selectors.offer_status(application)
    assert (application.stage, status["status"], status["round"]) == ("offer", "pending", 1)
    assert [(a["username"], a["decision"]) for a in status["approvals"]] == [
        ("recruteur2", "approved"),
        ("dg", None),
    ]
    assert status["current_approver"]["username"] == "dg"
    items = todo.todo_extra_for(application.mandate.ceo)
    # The CEO owes the offer's approval, and the 30-day check-in of the demo's hire (onboarding.demo).
    assert f"/applications/{application.pk}/offer/" in [i.url for i in items]
    assert [i.kind for i in items if i.url == f"/applications/{application.pk}/offer/"] == ["offer_approval"]


def test_terms_sent_after_the_submission_are_refused_with_a_message(client, w):
    offer = services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    services.offer_submit(offer=offer, by=w.recruiter)  # meanwhile, in another tab
    response = as_user(client, w.recruiter).post(url(w), TERMS)
    assert response.status_code == 400
    assert "The terms are frozen while the offer is “Awaiting approval”." in response.content.decode()
    offer.refresh_from_db()
    assert offer.title == "Chief Support Officer"
