"""The start kit in a real browser, in French: the CEO finds the due check-in on "À faire", opens
the hired CSO's start kit from the application page and signs the charter; the CSO opens the
signed link on a phone, signs the charter and gives the 30-day check-in. Every page is checked
with axe-core, for sideways scrolling at 1366, 820 and 390 px, and saved as a screenshot."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from onboarding import services
from onboarding.models import CharterSignOff, CheckIn, StartKit
from sessions import ipa
from tests.conftest import ensure_reference_data
from tests.e2e.conftest import pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-e2e-2026-kit"  # noqa: S105 — test accounts
WIDTHS = (1366, 820, 390)


@pytest.fixture
def kit(db):
    from django.contrib.auth.models import Group

    from tests.factories import (
        ApplicationFactory,
        CandidateFactory,
        CompanyFactory,
        MandateFactory,
        UserFactory,
        hired_application,
    )

    ensure_reference_data()
    ceo = UserFactory(username="dirigeante", first_name="Hélène", last_name="Vidal")
    ceo.set_password(PASSWORD)
    ceo.save()
    ceo.groups.add(Group.objects.get(name="ceo"))
    mandate = MandateFactory(company=CompanyFactory(name="Verrerie Exemple SA"), ceo=ceo)
    candidate = CandidateFactory(first_name="Nadia", last_name="Perret", email="nadia.perret@example.org")
    application = hired_application(ApplicationFactory(mandate=mandate, candidate=candidate, stage="offer"))
    kit = StartKit.objects.get(application=application)
    services.kit_start_date_set(kit=kit, start_date=timezone.localdate() - timedelta(days=31))
    return kit


def no_sideways_scroll(page):
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth, window.innerWidth,
        [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .filter((el) => !el.closest('thead')).slice(0, 8).map((el) => el.tagName + '.' + el.className + '#' + (el.textContent || '').slice(0, 30))]"""
    )
    assert widths[0] <= widths[1], widths


def test_the_ceo_opens_the_kit_and_the_cso_signs_through_the_link(new_page, live_server, kit, axe, shoot):
    ceo = new_page()
    ceo.goto(f"{live_server.url}/login/")
    ceo.get_by_label("Nom d’utilisateur").fill("dirigeante")
    ceo.get_by_label("Mot de passe").fill(PASSWORD)
    ceo.get_by_role("button", name="Se connecter").click()
    pass_second_factor(ceo)
    ceo.goto(f"{live_server.url}/todo/")
    ceo.get_by_text("Votre point d’étape à 30 jours avec le nouveau CSO").wait_for()
    axe.check(ceo, "to do with a check-in")

    ceo.goto(f"{live_server.url}{kit.application.get_absolute_url()}")
    ceo.get_by_role("link", name="Kit de démarrage").click()
    ceo.get_by_role("heading", name=re.compile("Kit de démarrage «.Support 5.0.» — Nadia Perret")).wait_for()
    assert ceo.get_by_test_id("inventory").locator("tbody tr").count() == len(
        kit.application.mandate.support_domains
    )
    for width in WIDTHS:
        ceo.set_viewport_size({"width": width, "height": 900})
        no_sideways_scroll(ceo)
        shoot(ceo, f"start-kit-{width}")
    axe.check(ceo, "start kit")
    ceo.set_viewport_size({"width": 1366, "height": 900})
    ceo.get_by_role("button", name="Signer la charte").click()
    ceo.get_by_text("Vous avez signé la charte.").wait_for()

    cso = new_page(viewport={"width": 390, "height": 844})
    cso.goto(f"{live_server.url}/start-kit/{services.kit_token(kit)}/")
    cso.get_by_role("heading", name=re.compile("Votre kit de démarrage")).wait_for()
    no_sideways_scroll(cso)
    axe.check(cso, "the CSO's start kit")
    shoot(cso, "start-kit-cso-390")
    cso.get_by_test_id("cso-sign").click()
    cso.get_by_text("Vous avez signé la charte.").wait_for()
    section = cso.locator("#check-in-30")
    for dimension in ipa.DIMENSIONS:
        section.locator(f"label[for='cso-d30-rating_{dimension.code}-4']").click()
    section.get_by_role("button", name="Envoyer mon point d’étape").click()
    cso.get_by_text("Votre point d’étape est enregistré. Merci.").wait_for()
    shoot(cso, "start-kit-cso-done-390")

    assert set(CharterSignOff.objects.filter(voided_at__isnull=True).values_list("party", flat=True)) == {
        "ceo",
        "cso",
    }
    assert CheckIn.objects.get().ratings == dict.fromkeys(ipa.DIMENSION_CODES, 4)
    ceo.reload()
    assert ceo.get_by_test_id("sign-offs").get_by_text("Signée").count() == 2
