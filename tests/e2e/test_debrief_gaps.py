"""The CEO's debrief and the perception gaps in Chromium (issue 15, item 8): the instruction
matches the 1/3/5 anchors; once her debrief is sent, the session page shows her ratings beside the
mediator's and the candidate's with the gaps — on a 390 px phone without sideways scrolling, and
with no serious or critical axe-core violation."""

import re
from datetime import timedelta

import pytest

from tests.conftest import ensure_reference_data
from tests.e2e.conftest import pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-e2e-2026-cso"  # noqa: S105 — test account
MEDIATOR = [4, 3, 4, 3, 4, 3, 4, 3, 4]
CANDIDATE = [3, 3, 5, 1, 4, 2, 4, 5, 5]
CEO = 5  # the CEO rates every dimension 5


@pytest.fixture
def session(db):
    """A held session observed by the mediator, with the candidate's debrief given."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from sessions import ipa, services
    from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory

    ensure_reference_data()
    ceo = UserFactory(username="dirigeante-ecarts", first_name="Claire", last_name="Fontaine")
    ceo.set_password(PASSWORD)
    ceo.save()
    ceo.groups.add(Group.objects.get(name="ceo"))
    recruiter = UserFactory(username="recruteuse-ecarts", groups=["recruiter"])
    mediator = UserFactory(username="mediateur-ecarts", groups=["mediator"])
    mandate = MandateFactory(slug="cso-ecarts", ceo=ceo, recruiters=[recruiter], mediators=[mediator])
    candidate = CandidateFactory(first_name="Anne", last_name="Exemple", email="anne.exemple@example.org")
    application = ApplicationFactory(candidate=candidate, mandate=mandate)
    start = timezone.now() - timedelta(days=2)
    session = services.session_schedule(
        application=application,
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        mediator=mediator,
        problem="Réduire le délai de clôture mensuelle.",
        location="Salle Exemple, Lyon",
        by=recruiter,
    )
    observation = services.observation_start(session=session, mediator=mediator)
    services.observation_save(
        observation=observation,
        by=mediator,
        ratings={d.code: v for d, v in zip(ipa.DIMENSIONS, MEDIATOR, strict=True)},
        verdict=ipa.COMPATIBLE,
        confidence=4,
        synthesis="Désaccords traités sur les faits.",
    )
    services.observation_submit(observation=observation, by=mediator)
    token = services.debrief_invitation_create(session=session)
    services.debrief_submit_candidate(
        token=token, ratings={d.code: v for d, v in zip(ipa.DIMENSIONS, CANDIDATE, strict=True)}
    )
    session.refresh_from_db()
    return session


def signed(gap):
    return "0" if gap == 0 else (f"+{gap}" if gap > 0 else f"−{-gap}")


def test_after_her_debrief_the_ceo_reads_the_gaps_on_a_phone(new_page, live_server, session, axe, shoot):
    from sessions import ipa

    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Nom d’utilisateur").fill("dirigeante-ecarts")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*(/|/two-factor/enrol/\?next=.*)$"))
    pass_second_factor(page)
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    page.get_by_role("link", name="Donner mon débrief").click()
    page.get_by_text("les niveaux 1, 3 et 5 sont décrits sous chaque dimension, 2 et 4 se situent").wait_for()
    for fieldset in page.locator("form fieldset").all():
        fieldset.get_by_label(str(CEO), exact=True).check()
    page.get_by_role("button", name="Envoyer mon débrief").click()

    table = page.locator("#perception-table")
    table.wait_for()
    page.get_by_role("heading", name="Vos notes à côté de celles du médiateur et du candidat").wait_for()
    for d, med, cand in zip(ipa.DIMENSIONS, MEDIATOR, CANDIDATE, strict=True):
        row = table.locator(f"tr[data-dimension='{d.code}']")
        cells = [
            row.locator(f"[data-col='{col}']").inner_text()
            for col in ("ceo_rating", "mediator", "candidate_rating", "ceo_gap", "candidate_gap")
        ]
        assert cells == [str(CEO), str(med), str(cand), signed(CEO - med), signed(cand - med)], d.code
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    table.scroll_into_view_if_needed()  # one card per dimension at 390 px, nothing cut off
    assert table.bounding_box()["width"] <= 390
    axe.check(page, "session page with the perception gaps (390 px)")
    shoot(page, "session-perception-gaps-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    shoot(page, "session-perception-gaps-1366")
