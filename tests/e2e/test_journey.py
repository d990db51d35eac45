"""The whole hiring journey in a real browser (Chromium via Playwright), in French.

Recruiter imports the sample CSV (preview, then save), moves a candidate to assessment and submits
a scorecard; the CEO submits one and then sees the aggregate; the recruiter schedules three
working sessions (a conflicting slot is refused on screen); the mediator records an observation
live with the IPA counters; the CEO debriefs and only then sees the mediator's notes; the candidate
debriefs through the signed link; the CEO requests the compatibility report and downloads the PDF.
Every main page is checked with axe-core and saved as a screenshot (tests/e2e/screenshots/).
"""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.utils import timezone

from outbox.models import OutboundEmail
from sessions import ipa
from tests.conftest import FIXTURES, SHARED_SAMPLES, ensure_reference_data
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-e2e-2026-cso"  # noqa: S105 — test accounts
SAMPLE = "candidates_fr_utf8_bom.csv"


def sample_file():
    shared = SHARED_SAMPLES / SAMPLE
    return shared if shared.exists() else FIXTURES / SAMPLE


@pytest.fixture
def world(db):
    from django.contrib.auth.models import Group

    from tests.factories import CompanyFactory, MandateFactory, UserFactory

    ensure_reference_data()
    users = {}
    for username, first, last, group in (
        ("recruteuse", "Nadia", "Leroy", "recruiter"),
        ("dirigeant", "Paul", "Girard", "ceo"),
        ("mediatrice", "Inès", "Morel", "mediator"),
    ):
        user = UserFactory(username=username, first_name=first, last_name=last)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=group))
        users[group] = user
    mandate = MandateFactory(
        company=CompanyFactory(name="Verrerie Exemple SA"),
        slug="cso-verrerie",
        ceo=users["ceo"],
        recruiters=[users["recruiter"]],
        mediators=[users["mediator"]],
    )
    return users, mandate


def login(new_page, live_server, user):
    return sign_in(new_page, live_server.url, user, password=PASSWORD)


def test_hiring_journey(new_page, live_server, world, axe, shoot, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    users, mandate = world
    base = live_server.url

    # 1. Recruiter: import the sample file through the page (preview, then save).
    rec = login(new_page, live_server, users["recruiter"])
    rec.goto(f"{base}/mandates/{mandate.slug}/")
    axe.check(rec, "pipeline (empty)")
    rec.get_by_role("link", name="Importer un fichier CSV").click()
    rec.get_by_label("Fichier CSV").set_input_files(str(sample_file()))
    rec.get_by_role("button", name="Aperçu").click()
    rec.get_by_text("Élodie Garnier").wait_for()
    axe.check(rec, "import preview")
    shoot(rec, "import-preview")
    rec.get_by_role("button", name="Enregistrer l’import").click()
    rec.get_by_text("8 candidatures").wait_for()
    axe.check(rec, "pipeline")
    shoot(rec, "pipeline")

    # 2. Move Anne-Sophie Roux-Lambert to screening then assessment.
    rec.get_by_role("link", name="Anne-Sophie Roux-Lambert").click()
    for stage in ("Présélection", "Évaluation"):
        rec.get_by_label("Nouvelle étape").select_option(label=stage)
        rec.get_by_role("button", name="Changer d’étape").click()
        rec.get_by_text(re.compile(f"Roux-Lambert est passé·e à l’étape «.{stage}.»")).wait_for()
    application_url = rec.url
    axe.check(rec, "application")
    shoot(rec, "application")

    # 3. Recruiter fills and submits a scorecard.
    fill_scorecard(rec, axe, shoot, value="4", name="scorecard")

    # 4. CEO: own scorecard first; the aggregate appears only after submitting.
    ceo = login(new_page, live_server, users["ceo"])
    ceo.goto(application_url)
    ceo.get_by_role("link", name="Évaluation et grilles").click()
    ceo.get_by_role("button", name="Ma grille d’évaluation").click()
    ceo.get_by_role("link", name=re.compile("Roux-Lambert")).first.click()
    ceo.get_by_text("Vous avez une grille d’évaluation en cours").wait_for()
    assert "Adéquation globale" not in ceo.content()
    ceo.go_back()
    fill_scorecard(ceo, axe, shoot, value="3", name="ceo-scorecard", start=False)
    ceo.get_by_text(re.compile(r"Adéquation globale\s*:\s*3,50")).wait_for()
    axe.check(ceo, "assessment summary")
    shoot(ceo, "assessment-summary")

    # 5. Recruiter: working sessions stage, three sessions (in the past, so they can be observed),
    #    and a conflicting slot refused on screen.
    rec.goto(application_url)
    rec.get_by_label("Nouvelle étape").select_option(label="Séances de travail")
    rec.get_by_role("button", name="Changer d’étape").click()
    rec.get_by_role("link", name="Séances de travail").first.click()
    first_day = timezone.localdate() - timedelta(days=21)
    for n in range(3):
        schedule(rec, first_day + timedelta(days=7 * n), "10:00", "11:30")
        rec.get_by_text(f"Séance {n + 1} planifiée").wait_for()
    schedule(rec, first_day, "11:00", "12:00")
    rec.get_by_text("a déjà une séance de travail").first.wait_for()
    axe.check(rec, "sessions with a conflict")
    shoot(rec, "sessions-conflict")

    # 5a. Recruiter: the plan of session 1 (the roles it targets and a briefing).
    anne = mandate.applications.get(candidate__last_name="Roux-Lambert")
    first = anne.working_sessions.get(order=1)
    rec.goto(f"{base}/sessions/{first.pk}/plan/")
    rec.locator("input[name=roles][value=conductor]").check()
    rec.locator("input[name=roles][value=posture]").check()
    rec.locator("textarea[name=briefing]").fill("Lire la note sur la clôture mensuelle.")
    rec.get_by_role("button", name="Enregistrer le plan").click()
    rec.get_by_text("Lire la note sur la clôture mensuelle.").first.wait_for()
    axe.check(rec, "session plan")
    shoot(rec, "session-plan")

    # 5b. Candidate, on a 390 px phone: the notice sent with session 1, read and acknowledged.
    notice_mail = OutboundEmail.objects.get(key__startswith=f"notice:{anne.pk}:")
    link = re.search(r"https?://\S+(/notice/\S+/)", notice_mail.body).group(1)
    phone = new_page(viewport={"width": 390, "height": 844})
    phone.goto(f"{base}{link}")
    phone.get_by_role("heading", name=re.compile("Comment vous serez évalué")).wait_for()
    axe.check(phone, "assessment notice (phone)")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(phone, "notice-phone")
    phone.get_by_role("button", name="J’ai lu cette notice").click()
    phone.get_by_text("Vous avez accusé réception de cette notice le").wait_for()
    shoot(phone, "notice-acknowledged-phone")
    # The sessions above were scheduled in the past so that they can be observed now; the candidate
    # read the notice "before" them: the test cannot wait for session 1, so it dates the reading back.
    from sessions.models import AssessmentNotice

    first_start = anne.working_sessions.order_by("starts_at").first().starts_at
    AssessmentNotice.objects.filter(application=anne).update(acknowledged_at=first_start - timedelta(days=2))

    # 6. Mediator: live observation of session 1 with the IPA counters, then submit.
    med = login(new_page, live_server, users["mediator"])
    med.locator("#main-nav").get_by_role("link", name="Mes séances").click()
    axe.check(med, "my sessions")
    shoot(med, "my-sessions")
    med.get_by_role("button", name="Commencer l’observation").first.click()
    med.wait_for_function("() => document.documentElement.dataset.observationReady === '1'")
    plus = med.get_by_role("button", name=re.compile(r"^Ajouter un acte.*Donne son avis.*Candidat"))
    for _ in range(3):
        plus.click()
    med.get_by_role("button", name=re.compile(r"^Ajouter un acte.*Marque son accord.*DG")).press("Enter")
    med.wait_for_function(
        "() => [...document.querySelectorAll('output.tally-count')].some(o => o.textContent.trim() === '3')"
    )
    for fieldset in med.locator("#observation-form fieldset:has(legend)").all()[: len(ipa.DIMENSIONS)]:
        fieldset.get_by_label("4", exact=True).check()
    med.get_by_label("Verdict de la séance").select_option("compatible")
    med.get_by_label(re.compile("Confiance")).select_option("4")
    med.get_by_role("textbox", name=re.compile("Vu de l’extérieur")).fill(
        "Le DG conteste le délai ; la personne candidate propose de vérifier, accepté."
    )
    med.get_by_role("textbox", name="Synthèse").fill(
        "Écoute réciproque remarquable ; désaccords traités sur les faits."
    )
    axe.check(med, "observation form")
    shoot(med, "observation")
    med.set_viewport_size({"width": 768, "height": 1024})
    shoot(med, "observation-tablet-768")
    med.get_by_role("button", name="Soumettre et verrouiller").click()
    med.get_by_text("Observation soumise et verrouillée.").wait_for()

    # 7. CEO: the observation is sealed until the CEO's own debrief.
    ceo.goto(
        f"{base}{mandate.applications.get(candidate__last_name='Roux-Lambert').working_sessions.get(order=1).get_absolute_url()}"
    )
    ceo.get_by_text("vous sera accessible une fois que vous aurez donné votre propre débrief").wait_for()
    assert "Écoute réciproque remarquable" not in ceo.content()
    # She lands on "À faire" and reaches her debrief in one click.
    ceo.goto(f"{base}/")
    ceo.get_by_role("heading", name="À faire").wait_for()
    axe.check(ceo, "to do (CEO)")
    shoot(ceo, "todo-ceo")
    ceo.locator("#main").get_by_role("link", name="Donner mon débrief").first.click()
    for fieldset in ceo.locator("form fieldset").all():
        fieldset.get_by_label("4", exact=True).check()
    axe.check(ceo, "ceo debrief")
    ceo.get_by_role("button", name="Envoyer mon débrief").click()
    ceo.get_by_text("Écoute réciproque remarquable").wait_for()
    shoot(ceo, "session-unsealed")

    # 8. Candidate: the signed link from the e-mail, no account.
    links = [m for m in mail.outbox if "/debrief/" in m.body]
    assert links, "the candidate received no debrief link"
    link = re.search(r"https?://\S+/debrief/\S+/", links[-1].body).group(0)
    link = re.sub(r"^https?://[^/]+", base, link)
    cand = new_page()
    cand.goto(link)
    for fieldset in cand.locator("form fieldset").all():
        fieldset.get_by_label("3", exact=True).check()
    axe.check(cand, "candidate debrief")
    shoot(cand, "candidate-debrief")
    cand.get_by_role("button", name="Envoyer mon débrief").click()
    cand.get_by_text("Merci, votre débrief est enregistré.").wait_for()

    # 9. CEO: request the compatibility report, wait for it, download the PDF.
    request_and_download_report(ceo, base, mandate, axe, shoot)


def fill_scorecard(page, axe, shoot, *, value, name, start=True):
    if start:
        page.get_by_role("link", name="Évaluation et grilles").click()
        page.get_by_role("button", name="Ma grille d’évaluation").click()
    for group in page.locator("div[role=radiogroup]").all():
        group.get_by_label(value, exact=True).check()
    page.get_by_label("Recommandation globale").select_option("yes")
    axe.check(page, name)
    shoot(page, name)
    page.get_by_role("button", name="Soumettre (définitif)").click()
    page.get_by_text("Grille d’évaluation soumise.").wait_for()


def schedule(page, day, start, end):
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Début").fill(start)
    page.get_by_label("Fin").fill(end)
    page.get_by_label("Lieu ou lien de visioconférence").fill("Salle du conseil, Lyon")
    page.get_by_label("Problématique métier réelle à traiter").fill("Réduire le délai de clôture mensuelle.")
    page.get_by_role("button", name="Planifier et envoyer les invitations").click()
    if day < timezone.localdate():
        # A session in the past: the page warns, keeps what was typed and asks for a confirmation.
        page.get_by_text("Cette séance est dans le passé.").wait_for()
        assert page.get_by_label("Lieu ou lien de visioconférence").input_value() == "Salle du conseil, Lyon"
        page.get_by_label(re.compile("Oui, cette séance est passée")).check()
        page.get_by_role("button", name="Planifier et envoyer les invitations").click()


def request_and_download_report(page, base, mandate, axe, shoot):
    from pypdf import PdfReader

    application = mandate.applications.get(candidate__last_name="Roux-Lambert")
    page.goto(f"{base}{application.get_absolute_url()}")
    page.get_by_role("link", name=re.compile("Rapport")).first.click()
    page.get_by_role("button", name=re.compile("Demander")).first.click()
    page.get_by_role("link", name=re.compile("Télécharger")).first.wait_for(timeout=60_000)
    axe.check(page, "report")
    shoot(page, "report")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Télécharger")).first.click()
    pdf = PdfReader(BytesIO(open(download_info.value.path(), "rb").read()))
    text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert "Anne-Sophie Roux-Lambert" in text
