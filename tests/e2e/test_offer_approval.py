"""The CEO approves an offer in a real browser (Chromium via Playwright), in French.

The recruiter's offer to Claire Dubois waits for the CEO (the only approver). The CEO signs in
(second factor set-up at the first login), finds the approval in "À faire", opens the offer, and
approves it; the timeline then shows the approval with their name. The offer page is checked with
axe-core at 1366, 820 and 390 px (no sideways scroll) and saved as screenshots."""

import re

import pytest

from candidates.models import Stage
from offers import services
from offers.models import Offer
from tests.e2e.test_journey import PASSWORD, login
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    CompanyFactory,
    MandateFactory,
    UserFactory,
    offer_terms,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 820, 390)


@pytest.fixture
def world(db):
    from django.contrib.auth.models import Group

    from tests.conftest import ensure_reference_data

    ensure_reference_data()
    users = {}
    for username, first, last, group in (
        ("recruteuse", "Nadia", "Leroy", "recruiter"),
        ("dirigeant", "Paul", "Girard", "ceo"),
    ):
        user = UserFactory(username=username, first_name=first, last_name=last)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=group))
        users[group] = user
    mandate = MandateFactory(
        company=CompanyFactory(name="Verrerie Exemple SA"), ceo=users["ceo"], recruiters=[users["recruiter"]]
    )
    application = ApplicationFactory(
        mandate=mandate,
        stage=Stage.OFFER,
        candidate=CandidateFactory(first_name="Claire", last_name="Dubois", email="claire.e2e@example.org"),
    )
    offer = services.offer_save(application=application, by=users["recruiter"], data=offer_terms())
    services.offer_submit(offer=offer, by=users["recruiter"])
    return users, application


def test_the_ceo_approves_the_offer(new_page, live_server, world, axe, shoot):
    users, application = world
    ceo = login(new_page, live_server, users["ceo"])
    ceo.goto(f"{live_server.url}/todo/")
    ceo.get_by_text("Votre approbation de l’offre").wait_for()
    axe.check(ceo, "to do with an approval")
    shoot(ceo, "offer-todo")
    ceo.get_by_role("link", name="Examiner l’offre").click()
    ceo.get_by_role("heading", name=re.compile("Offre à Claire Dubois")).wait_for()
    for width in WIDTHS:
        ceo.set_viewport_size({"width": width, "height": 900})
        assert ceo.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        axe.check(ceo, f"offer page at {width} px")
        shoot(ceo, f"offer-{width}")
    ceo.set_viewport_size({"width": 1366, "height": 900})
    ceo.get_by_label("Approuver").check()
    ceo.get_by_label("Commentaire").fill("Bon équilibre fixe / variable.")
    ceo.get_by_role("button", name="Enregistrer ma décision").click()
    ceo.get_by_text("Votre décision est enregistrée.").wait_for()
    assert ceo.locator("#offer-status").inner_text() == "Approuvée"
    timeline = ceo.locator("#offer-timeline").inner_text()
    assert "Approuvée" in timeline and "Paul Girard" in timeline and "Bon équilibre" in timeline
    axe.check(ceo, "offer approved")
    shoot(ceo, "offer-approved")
    offer = Offer.objects.get(application=application)
    assert offer.status == "approved"
    assert offer.approvals.get().comment == "Bon équilibre fixe / variable."


def test_the_recruiters_offer_page_keeps_the_input_on_error(new_page, live_server, world, axe, shoot):
    """The recruiter revises a rejected offer: a zero fixed pay is refused on screen, what was typed
    stays; the page (terms form, approver list editor, both rounds' history) reads at three widths."""
    users, application = world
    offer = Offer.objects.get(application=application)
    services.approval_decide(
        offer=offer, by=users["ceo"], decision="rejected", comment="Variable trop élevé."
    )
    rec = login(new_page, live_server, users["recruiter"])
    rec.goto(f"{live_server.url}/applications/{application.pk}/")
    rec.get_by_role("link", name="Offre", exact=True).click()
    rec.get_by_label("Rémunération fixe (brute annuelle)").fill("0")
    rec.get_by_label("Remarques").fill("Variable ramené à 15 %.")
    rec.get_by_role("button", name="Enregistrer les conditions").click()
    rec.get_by_text("La rémunération fixe doit être supérieure à zéro.").wait_for()
    assert rec.get_by_label("Remarques").input_value() == "Variable ramené à 15 %."
    for width in WIDTHS:
        rec.set_viewport_size({"width": width, "height": 900})
        assert rec.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        axe.check(rec, f"recruiter's offer page at {width} px")
        shoot(rec, f"offer-recruiter-{width}")
