"""The decision meeting in Chromium, in French: a recruiter opens it from the application page and
votes; the CEO, on a 390 px phone, reads the agenda, votes, then records the final decision — first
without the reason a decision that differs from the product's reading needs (the page keeps what
she typed and says why), then with it; the votes appear once the meeting is closed. Each page at
1366, 820 and 390 px: no sideways scroll, no serious or critical axe-core violation."""

import pytest

from tests.e2e.conftest import no_sideways_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_panel_member_votes_and_the_ceo_decides(new_page, live_server, decision_world, axe, shoot):
    world = decision_world
    base = live_server.url
    decision_url = f"{base}/applications/{world.application.pk}/decision/"

    # 1. The recruiter opens the meeting from the application page and votes.
    rec = sign_in(new_page, base, world.recruiter, width=1366)
    rec.goto(f"{base}{world.application.get_absolute_url()}")
    rec.get_by_role("link", name="Réunion de décision").click()
    rec.get_by_role("button", name="Ouvrir la réunion de décision").click()
    rec.get_by_text("La réunion de décision est ouverte").wait_for()
    rec.get_by_label("Recruter", exact=True).check()
    rec.get_by_label("Motivation").fill("Trois rôles au-dessus du seuil, désaccords faibles.")
    rec.get_by_role("button", name="Voter", exact=True).click()
    rec.get_by_text("Votre vote est enregistré.").wait_for()
    assert "Votre vote\u00a0: Recruter." in rec.locator("#my-vote").inner_text()
    assert rec.locator("#votes-hidden").is_visible()  # the others have not voted yet
    axe.check(rec, "decision page (recruiter)")
    no_sideways_scroll(rec)
    shoot(rec, "decision-recruiter-1366")
    rec.set_viewport_size({"width": 820, "height": 1000})
    no_sideways_scroll(rec)
    shoot(rec, "decision-recruiter-820")

    # 2. The CEO, on her phone: the agenda, her vote, then the final decision.
    ceo = sign_in(new_page, base, world.ceo, width=390)
    ceo.goto(decision_url)
    assert ceo.get_by_role("heading", name="Ordre du jour").is_visible()
    assert "Trois rôles au-dessus du seuil" not in ceo.content()  # the recruiter's vote stays hidden
    vote_form = ceo.locator("form[action$='/decision/vote/']")
    vote_form.get_by_label("Recruter", exact=True).check()
    vote_form.get_by_label("Motivation").fill("Échanges francs avec la personne candidate.")
    vote_form.get_by_role("button", name="Voter", exact=True).click()
    ceo.get_by_text("Votre vote est enregistré.").wait_for()
    no_sideways_scroll(ceo)
    axe.check(ceo, "decision page (CEO, phone)")

    decide = ceo.locator("form[action$='/decision/decide/']")
    decide.get_by_label("Recruter", exact=True).check()
    decide.get_by_label("Motivation").fill("Je recrute : la référence du précédent poste est décisive.")
    decide.get_by_role("button", name="Enregistrer la décision et clore la réunion").click()
    # Hiring on an incomplete reading differs from it: the reason is asked, the text is kept.
    ceo.get_by_text("Cette décision diffère de la lecture du produit").wait_for()
    decide = ceo.locator("form[action$='/decision/decide/']")
    assert decide.get_by_label("Motivation").input_value().startswith("Je recrute")
    shoot(ceo, "decision-ceo-differs-390")
    decide.get_by_label("Pourquoi la décision diffère de la lecture du produit").fill(
        "Les séances n’ont pas encore eu lieu ; la référence compense."
    )
    decide.get_by_role("button", name="Enregistrer la décision et clore la réunion").click()
    ceo.get_by_text("La décision finale est enregistrée").wait_for()
    final = ceo.locator("#final-decision").inner_text()
    assert "Recruter" in final and "La décision diffère de la lecture." in final
    votes = ceo.locator("#votes").inner_text()  # closed: every vote is shown
    assert "Trois rôles au-dessus du seuil" in votes and "Échanges francs" in votes
    no_sideways_scroll(ceo)
    axe.check(ceo, "decision page closed (CEO, phone)")
    shoot(ceo, "decision-ceo-closed-390")

    from decisions.models import DecisionMeeting

    meeting = DecisionMeeting.objects.get(application=world.application)
    assert (meeting.decision, meeting.reading_level, meeting.differs) == ("hire", "incomplete", True)
