"""Plain words with their explanation in Chromium (issue 15, item 5): on the assessment summary,
"Concentration" and "Régularité" show their explanation in a tooltip on keyboard focus and on
hover, under the site's Content-Security-Policy (a violation fails the test), and axe-core finds no
serious or critical violation."""

import re

import pytest

from tests.conftest import ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-e2e-2026-cso"  # noqa: S105 — test account


@pytest.fixture
def application(db):
    from django.contrib.auth.models import Group

    from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory

    ensure_reference_data()
    recruiter = UserFactory(username="recruteuse-mots", first_name="Léa", last_name="Martin")
    recruiter.set_password(PASSWORD)
    recruiter.save()
    recruiter.groups.add(Group.objects.get(name="recruiter"))
    mandate = MandateFactory(slug="cso-mots-simples", recruiters=[recruiter])
    candidate = CandidateFactory(
        first_name="Anne",
        last_name="Exemple",
        email="anne.exemple@example.org",
        years_finance=6,
        years_hr=2,
        years_legal=1,
    )
    return recruiter, ApplicationFactory(candidate=candidate, mandate=mandate)


def test_plain_words_explain_themselves_on_focus_and_hover(new_page, live_server, application, axe, shoot):
    from django.urls import reverse

    recruiter, app = application
    page = new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Nom d’utilisateur").fill(recruiter.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{live_server.url}{reverse('assessments:summary', args=[app.pk])}")

    concentration = page.get_by_role("button", name="Concentration", exact=True)
    evenness = page.get_by_role("button", name="Régularité", exact=True)
    assert "HHI" not in page.inner_text("main") and "Pielou" not in page.inner_text("main")

    # Keyboard: focus shows the explanation, Escape hides it.
    concentration.focus()
    tooltip = page.get_by_role("tooltip")
    tooltip.wait_for(state="visible")
    assert tooltip.inner_text().startswith(
        "La part de l’expérience réunie dans un ou quelques domaines support"
    )
    assert concentration.get_attribute("aria-describedby")  # the explanation for screen readers too
    axe.check(page, "assessment summary with a tooltip open")
    shoot(page, "plain-words-tooltip-focus")
    page.keyboard.press("Escape")
    tooltip.wait_for(state="hidden")

    # Mouse: hovering shows the other one.
    evenness.hover()
    page.get_by_role("tooltip").filter(has_text="La régularité de la répartition des années").wait_for(
        state="visible"
    )
