"""Issue 11's whole path in a real browser (Chromium via Playwright), in French, at 1366 px: from
"Décision" to a signed start kit.

The panel of Éloïse Lœwenbrück-Ngô's application (the mandate's CEO and its two recruiters, each
with a submitted scorecard; stored figures) meets: a recruiter opens the decision meeting from the
application page, both recruiters vote (neither reads another vote while someone has still to
vote), the CEO votes — the votes then show — and records "hire" with a rationale and the reason
it differs from the product's incomplete reading. The recruiter moves the application to "Offre"
with the page's stage control, writes the offer's terms, keeps the CEO as the only approver and
submits; the CEO finds the approval on "À faire" and approves; the recruiter records the
candidate's acceptance and moves the application to "Embauche". The CEO opens the start kit from
the application page (the 90-day plan's inventory, the charter) and signs the charter; the
recruiter shares the kit; the new CSO opens the signed link and signs; the kit page then shows
both sign-offs. Each step is checked against the database, with axe-core, and saved as a
screenshot (tests/e2e/screenshots/)."""

import re
from datetime import date

import pytest
from django.utils import translation

from candidates.models import Application, Stage, SupportDomain
from decisions.models import DecisionMeeting, Vote
from offers.models import Offer
from onboarding import services as kit_services
from onboarding.models import CharterSignOff, StartKit
from outbox.models import OutboundEmail
from tests.e2e.conftest import no_sideways_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1366
START = date(2027, 3, 1)  # the offer's start date (a Monday)


def stage_of(application):
    return Application.objects.values_list("stage", flat=True).get(pk=application.pk)


def move(page, application, label):
    """Move the application with the stage control of its page, to the stage labelled ``label``."""
    page.get_by_label("Nouvelle étape").select_option(label=label)
    page.get_by_role("button", name="Changer d’étape").click()
    page.get_by_text(re.compile(f"est passé·e à l’étape «.{label}.»")).wait_for()


def vote(page, choice, rationale):
    form = page.locator("form[action$='/decision/vote/']")
    form.get_by_label(choice, exact=True).check()
    form.get_by_label("Motivation").fill(rationale)
    form.get_by_role("button", name="Voter", exact=True).click()
    page.get_by_text("Votre vote est enregistré.").wait_for()


def test_from_the_decision_to_a_signed_start_kit(new_page, live_server, decision_world, axe, shoot):
    world = decision_world
    base = live_server.url
    application = world.application
    application_url = f"{base}{application.get_absolute_url()}"
    name = "Éloïse Lœwenbrück-Ngô"

    # 1. The first recruiter opens the meeting from the application page and votes "hire".
    rec = sign_in(new_page, base, world.recruiter, width=WIDTH)
    rec.goto(application_url)
    rec.get_by_role("link", name="Réunion de décision").click()
    rec.get_by_role("button", name="Ouvrir la réunion de décision").click()
    rec.get_by_text("La réunion de décision est ouverte").wait_for()
    vote(rec, "Recruter", "Trois rôles au-dessus du seuil, désaccords faibles.")
    assert rec.locator("#votes-hidden").is_visible() and rec.locator("#votes").count() == 0
    assert "1 membre du panel sur 3" in rec.locator("#meeting-status").inner_text()
    no_sideways_scroll(rec)
    axe.check(rec, "decision page, first vote")
    shoot(rec, "d2k-decision-first-vote")

    # 2. The second recruiter votes: the first vote stays hidden (the CEO has not voted yet).
    rec2 = sign_in(new_page, base, world.recruiter2, width=WIDTH)
    rec2.goto(f"{base}/applications/{application.pk}/decision/")
    assert "Trois rôles au-dessus du seuil" not in rec2.content()
    vote(rec2, "Recruter", "Posture solide ; l’expérience des achats reste à vérifier.")
    assert rec2.locator("#votes-hidden").is_visible()
    assert "Trois rôles au-dessus du seuil" not in rec2.content()
    assert "Votre vote\u00a0: Recruter." in rec2.locator("#my-vote").inner_text()
    shoot(rec2, "d2k-decision-second-vote")
    rec.reload()
    assert rec.locator("#votes-hidden").is_visible()
    assert "l’expérience des achats" not in rec.content()

    # 3. The CEO votes last: every panel member has voted, the votes show.
    ceo = sign_in(new_page, base, world.ceo, width=WIDTH)
    ceo.goto(application_url)
    ceo.get_by_role("link", name="Réunion de décision").click()
    vote(ceo, "Recruter", "Échanges francs avec la personne candidate.")
    votes = ceo.locator("#votes")
    assert votes.locator("li").count() == 3
    assert "Trois rôles" in votes.inner_text() and "l’expérience des achats" in votes.inner_text()
    meeting = DecisionMeeting.objects.get(application=application)
    assert Vote.objects.filter(meeting=meeting).count() == 3
    assert set(Vote.objects.filter(meeting=meeting).values_list("choice", flat=True)) == {"hire"}
    rec.reload()
    assert rec.locator("#votes li").count() == 3  # the recruiter now reads them too

    # 4. The CEO records "hire"; the reading is incomplete (no session), so the page asks why.
    decide = ceo.locator("form[action$='/decision/decide/']")
    decide.get_by_label("Recruter", exact=True).check()
    decide.get_by_label("Motivation").fill("Je recrute : le jury est unanime.")
    decide.get_by_role("button", name="Enregistrer la décision et clore la réunion").click()
    ceo.get_by_text("Cette décision diffère de la lecture du produit").wait_for()
    decide = ceo.locator("form[action$='/decision/decide/']")
    assert decide.get_by_label("Motivation").input_value() == "Je recrute : le jury est unanime."
    decide.get_by_label("Pourquoi la décision diffère de la lecture du produit").fill(
        "Les séances auront lieu pendant la période d’essai ; la référence compense."
    )
    decide.get_by_role("button", name="Enregistrer la décision et clore la réunion").click()
    ceo.get_by_text("La décision finale est enregistrée").wait_for()
    assert "Recruter" in ceo.locator("#final-decision").inner_text()
    axe.check(ceo, "decision page closed")
    shoot(ceo, "d2k-decision-closed")
    meeting.refresh_from_db()
    assert (meeting.decision, meeting.differs, meeting.decided_by) == ("hire", True, world.ceo)
    assert stage_of(application) == Stage.DECISION  # deciding does not move the application

    # 5. The recruiter moves the application to "Offre", writes the terms and submits them.
    rec.goto(application_url)
    move(rec, application, "Offre")
    assert stage_of(application) == Stage.OFFER
    rec.get_by_role("link", name="Offre", exact=True).click()
    rec.get_by_role("heading", name=re.compile(f"Offre à {name}")).wait_for()
    rec.get_by_label("Intitulé du poste").fill("Chief Support Officer")
    rec.get_by_label("Date de début").fill(START.isoformat())
    rec.get_by_label("Rémunération fixe (brute annuelle)").fill("145000")
    rec.get_by_label("Rémunération variable (brute annuelle, à objectifs atteints)").fill("25000")
    rec.get_by_label("Période d’essai (mois)").fill("4")
    rec.get_by_role("button", name="Enregistrer les conditions").click()
    rec.get_by_text("Les conditions de l’offre sont enregistrées.").wait_for()
    # A new offer's approver list is the CEO alone; the recruiter keeps it.
    assert rec.get_by_label("Approbateur 1").locator("option:checked").inner_text() == "Isabelle Fontaine"
    assert rec.get_by_label("Approbateur 2").input_value() == ""
    rec.get_by_role("button", name="Soumettre pour approbation").click()
    rec.get_by_text("L’offre est soumise pour approbation.").wait_for()
    assert rec.locator("#offer-status").inner_text() == "En attente d’approbation"
    axe.check(rec, "offer submitted")
    shoot(rec, "d2k-offer-submitted")
    offer = Offer.objects.get(application=application)
    assert (offer.status, offer.round, offer.fixed_pay, offer.variable_pay, offer.trial_months) == (
        "pending",
        1,
        145000,
        25000,
        4,
    )
    assert list(offer.approvals.values_list("approver", flat=True)) == [world.ceo.pk]

    # 6. The CEO finds the approval on "À faire" and approves.
    ceo.goto(f"{base}/todo/")
    ceo.get_by_text("Votre approbation de l’offre").wait_for()
    shoot(ceo, "d2k-todo-approval")
    ceo.get_by_role("link", name="Examiner l’offre").click()
    ceo.get_by_label("Approuver").check()
    ceo.get_by_label("Commentaire").fill("Conforme au budget du poste.")
    ceo.get_by_role("button", name="Enregistrer ma décision").click()
    ceo.get_by_text("Votre décision est enregistrée.").wait_for()
    assert ceo.locator("#offer-status").inner_text() == "Approuvée"
    offer.refresh_from_db()
    assert offer.status == "approved"

    # 7. The recruiter records the candidate's acceptance, then moves the application to "Embauche".
    rec.reload()
    rec.get_by_label("Acceptée").check()
    rec.get_by_label("Date de la réponse").fill(date.today().isoformat())
    rec.get_by_role("button", name="Enregistrer la réponse").click()
    rec.get_by_text("La réponse du candidat est enregistrée.", exact=True).wait_for()
    assert rec.locator("#offer-status").inner_text() == "Acceptée par le candidat"
    timeline = rec.locator("#offer-timeline").inner_text()
    assert "Approuvée" in timeline and "Isabelle Fontaine" in timeline and "Conforme au budget" in timeline
    axe.check(rec, "offer accepted")
    shoot(rec, "d2k-offer-accepted")
    offer.refresh_from_db()
    assert offer.status == "accepted"
    rec.goto(application_url)
    move(rec, application, "Embauche")
    assert stage_of(application) == Stage.HIRED
    kit = StartKit.objects.get(application=application)
    assert kit.start_date == START  # the kit is dated from the offer's start date
    shoot(rec, "d2k-hired")

    # 8. The CEO opens the start kit from the application page: the inventory, the charter.
    ceo.goto(application_url)
    ceo.get_by_role("link", name="Kit de démarrage").click()
    ceo.get_by_role("heading", name=re.compile(f"Kit de démarrage «.Support 5.0.» — {name}")).wait_for()
    rows = ceo.get_by_test_id("inventory").locator("tbody tr")
    with translation.override("fr"):
        domains = [str(SupportDomain(code).label) for code in application.mandate.support_domains]
    assert rows.count() == len(domains) == 9
    for row, domain in zip(rows.all(), domains, strict=True):
        assert domain in row.inner_text()
    # The date comes from the accepted offer, and the start-date form says so.
    assert ceo.get_by_test_id("start-date").inner_text() == "1 mars 2027"
    assert ceo.locator("#id_source").input_value() == "offer"
    # The weakest criteria (business partner: the panel's 4, 4 and 3, mean 3.67) in French notation.
    actions = ceo.get_by_test_id("actions").inner_text()
    assert actions.count("Note de 3,7 / 5 à l’évaluation.") == 3
    charter = ceo.locator("#charter")
    assert charter.get_by_role("heading", name="Charte de travail DG–CSO").is_visible()
    assert charter.get_by_test_id("sign-offs").get_by_text("Non signée").count() == 2
    no_sideways_scroll(ceo)
    axe.check(ceo, "start kit")
    shoot(ceo, "d2k-kit")
    ceo.get_by_role("button", name="Signer la charte").click()
    ceo.get_by_text("Vous avez signé la charte.").wait_for()
    assert ceo.get_by_test_id("sign-offs").get_by_text("Signée", exact=True).count() == 1

    # 9. The recruiter shares the kit with the new CSO (a message in the outbox).
    rec.goto(f"{base}/applications/{application.pk}/start-kit/")
    rec.get_by_role("button", name="Partager avec le CSO").click()
    rec.get_by_text("Le lien part vers eloise.lng@example.org.").wait_for()
    kit.refresh_from_db()
    assert kit.shared_at is not None
    assert (
        OutboundEmail.objects.filter(
            key__startswith=f"kit-share:{kit.pk}:", to="eloise.lng@example.org"
        ).count()
        == 1
    )

    # 10. The new CSO opens the signed link and signs the charter.
    cso = new_page(viewport={"width": WIDTH, "height": 900})
    cso.goto(f"{base}/start-kit/{kit_services.kit_token(kit)}/")
    cso.get_by_role("heading", name=re.compile("Votre kit de démarrage")).wait_for()
    axe.check(cso, "the CSO's start kit")
    cso.get_by_test_id("cso-sign").click()
    cso.get_by_text("Vous avez signé la charte.").wait_for()
    shoot(cso, "d2k-kit-cso-signed")

    # 11. The kit page shows both sign-offs, of the same text.
    ceo.reload()
    sign_offs = ceo.get_by_test_id("sign-offs")
    assert sign_offs.get_by_text("Signée", exact=True).count() == 2
    assert "Isabelle Fontaine" in sign_offs.inner_text() and name in sign_offs.inner_text()
    shoot(ceo, "d2k-kit-both-signed")
    live = CharterSignOff.objects.filter(charter__kit=kit, voided_at__isnull=True)
    assert sorted(live.values_list("party", flat=True)) == ["ceo", "cso"]
    assert len(set(live.values_list("text_sha256", flat=True))) == 1
