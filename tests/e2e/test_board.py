"""The pipeline board in a real browser (issue 15, item 2): drag a card to the next column
(SortableJS) and find it there after a reload; a refused drop puts the card back and says why; the
keyboard alternative (Tab to "Move to next stage", Enter); the rejection dialog, which keeps what
was typed when refused; axe-core on the board; screenshots at 1366 px and 390 px, with the menu of
each role (collapsed and open on a phone)."""

import re

import pytest

from tests.conftest import ensure_reference_data
from tests.e2e.conftest import pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-e2e-board-2026"  # noqa: S105 — test accounts
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def board(db):
    from candidates.models import Stage
    from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory

    ensure_reference_data()
    recruiter = UserFactory(
        username="recruteuse-board", first_name="Nadia", last_name="Leroy", groups=["recruiter"]
    )
    ceo = UserFactory(username="dg-board", first_name="Paul", last_name="Girard", groups=["ceo"])
    mediator = UserFactory(
        username="mediatrice-board", first_name="Inès", last_name="Morel", groups=["mediator"]
    )
    for user in (recruiter, ceo, mediator):
        user.set_password(PASSWORD)
        user.save()
    mandate = MandateFactory(slug="cso-tableau", ceo=ceo, recruiters=[recruiter], mediators=[mediator])
    people = {}
    for first, last, stage in (
        ("Alice", "Sourcée", Stage.SOURCED),
        ("Bruno", "Présélection", Stage.SCREENING),
        ("Chloé", "Évaluée", Stage.ASSESSMENT),
        ("Damien", "Refusable", Stage.SCREENING),
    ):
        people[first] = ApplicationFactory(
            mandate=mandate,
            stage=stage,
            candidate=CandidateFactory(
                first_name=first, last_name=last, email=f"{first.lower()}@example.org"
            ),
        )
    return {"recruiter": recruiter, "ceo": ceo, "mediator": mediator, "mandate": mandate, "people": people}


def login(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*(/|/two-factor/enrol/\?next=.*|/sessions/mine/)$"))
    pass_second_factor(page)


def card(page, application):
    return page.locator(f'.board-card[data-application="{application.pk}"]')


def drag(page, application, target):
    """Drag a card by its top corner (its buttons do not start a drag) onto ``target``."""
    card(page, application).drag_to(page.locator(target), source_position={"x": 4, "y": 4})


def column_of(page, application):
    return card(page, application).evaluate("el => el.closest('.board-list').dataset.stage")


def dialog_shown(page):
    """The rejection dialog, once open (its fade over: the focus is then on the reason code)."""
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'reject-reason-code'"
    )
    return page.locator("#reject-dialog")


def wait_column(page, application, stage):
    """Wait until the card of ``application`` sits in the column of ``stage``."""
    page.wait_for_function(
        f"() => document.querySelector('.board-card[data-application=\"{application.pk}\"]')"
        f".closest('.board-list').dataset.stage === '{stage}'"
    )


def stage_of(application):
    application.refresh_from_db()
    return application.stage


def test_drag_keyboard_refusal_and_rejection_dialog(new_page, live_server, board, axe, shoot):
    people = board["people"]
    page = new_page(viewport=DESKTOP)
    login(page, live_server.url, "recruteuse-board")
    url = f"{live_server.url}/mandates/cso-tableau/"
    page.goto(url)
    page.wait_for_function("() => !document.querySelector('[data-board-js-only]').hidden")
    axe.check(page, "pipeline board")
    shoot(page, "board-1366")

    # Drag Alice (sourced) to the screening column: saved, and there after a reload.
    alice = people["Alice"]
    drag(page, alice, '.board-list[data-stage="screening"]')
    page.locator("#board-status .alert-success").wait_for()
    assert (
        "Alice Sourcée est passé·e à l’étape «\u00a0Présélection\u00a0»."
        in page.locator("#board-status").inner_text()
    )
    assert stage_of(alice) == "screening"
    assert page.locator("#col-screening .badge").inner_text() == "3"
    page.reload()
    assert column_of(page, alice) == "screening"

    # A drop the rules refuse (assessment → offer): the card goes back and the reason is shown.
    chloe = people["Chloé"]
    drag(page, chloe, '.board-list[data-stage="offer"]')
    page.locator("#board-status .alert-danger").wait_for()
    assert "ne peut pas passer de «" in page.locator("#board-status").inner_text()
    assert column_of(page, chloe) == "assessment" and stage_of(chloe) == "assessment"

    # The keyboard: Tab to Bruno's "Move to next stage" and press Enter.
    bruno = people["Bruno"]
    button = card(page, bruno).locator("[data-next-stage]")
    page.locator("body").focus()
    for _ in range(200):
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the card's “Move to next stage” button")
    page.keyboard.press("Enter")
    wait_column(page, bruno, "assessment")
    assert stage_of(bruno) == "assessment"
    # The focus stays on the moved card, on its next move.
    assert card(page, bruno).locator("[data-next-stage]").evaluate("el => el === document.activeElement")

    # Rejection by drag: the dialog asks the reason; cancelling puts the card back.
    damien = people["Damien"]
    drag(page, damien, '.board-drop[data-stage="rejected"]')
    dialog = dialog_shown(page)
    axe.check(page, "rejection dialog")
    dialog.get_by_role("button", name="Annuler").last.click()
    wait_column(page, damien, "screening")
    assert stage_of(damien) == "screening"

    # Rejection from "Move to…": refused without a written reason (the code chosen stays), then done.
    card(page, damien).locator("summary").click()
    card(page, damien).get_by_label("Nouvelle étape pour Damien Refusable").select_option("rejected")
    card(page, damien).get_by_role("button", name="Changer d’étape").click()
    dialog_shown(page)
    dialog.get_by_label("Motif de refus").select_option("posture")
    dialog.get_by_role("button", name="Refuser").click()
    dialog.locator("[data-reject-errors]").wait_for(state="visible")
    assert "motif écrit" in dialog.locator("[data-reject-errors]").inner_text().lower()
    assert dialog.get_by_label("Motif de refus").input_value() == "posture"
    assert stage_of(damien) == "screening"
    shoot(page, "board-rejection-dialog")
    dialog.get_by_label("Motif écrit").fill("Posture trop directive pendant l’entretien")
    dialog.get_by_role("button", name="Refuser").click()
    dialog.wait_for(state="hidden")
    assert card(page, damien).count() == 0
    damien.refresh_from_db()
    assert (damien.stage, damien.rejection_reason) == ("rejected", "posture")
    assert damien.transitions.get(to_stage="rejected").reason == "Posture trop directive pendant l’entretien"
    page.reload()
    assert "Damien Refusable" in page.locator("main").inner_text()  # in the closed applications


def test_the_application_page_defaults_to_the_next_stage_and_shows_rejection_fields_on_demand(
    new_page, live_server, board
):
    chloe = board["people"]["Chloé"]
    page = new_page(viewport=DESKTOP)
    login(page, live_server.url, "recruteuse-board")
    page.goto(f"{live_server.url}/applications/{chloe.pk}/")
    select = page.get_by_label("Nouvelle étape")
    assert select.input_value() == "working_sessions"
    reason = page.locator("#div_id_rejection_reason")
    assert reason.is_hidden()
    select.select_option("rejected")
    assert reason.is_visible()
    select.select_option("withdrawn")
    assert reason.is_hidden()


def test_board_and_menus_on_a_phone_and_per_role(new_page, live_server, board, axe, shoot):
    page = new_page(viewport=PHONE)
    login(page, live_server.url, "recruteuse-board")
    page.goto(f"{live_server.url}/mandates/cso-tableau/")
    axe.check(page, "pipeline board (390 px)")
    shoot(page, "board-390")
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible() and page.locator("#main-nav").is_hidden()
    shoot(page, "nav-recruiter-390-collapsed")
    toggler.click()
    page.locator("#main-nav.show").wait_for()
    for name in ("Mandats", "Mes grilles d’évaluation", "Mes séances", "Agenda", "Journal des accès"):
        assert page.locator("#main-nav").get_by_role("link", name=name, exact=True).is_visible(), name
    shoot(page, "nav-recruiter-390-open")

    for username, expected, absent, shot in (
        (
            "dg-board",
            ["Mon tableau de bord", "Mes séances", "Agenda"],
            ["Mandats", "Journal des accès"],
            "nav-ceo-1366",
        ),
        (
            "mediatrice-board",
            ["Mes séances", "Agenda"],
            ["Mandats", "Mes grilles d’évaluation"],
            "nav-mediator-1366",
        ),
    ):
        other = new_page(viewport=DESKTOP)
        login(other, live_server.url, username)
        nav = other.locator("#main-nav")
        for name in expected:
            assert nav.get_by_role("link", name=name, exact=True).is_visible(), (username, name)
        for name in absent:
            assert nav.get_by_role("link", name=name, exact=True).count() == 0, (username, name)
        shoot(other, shot)
    other.get_by_role("link", name="Mes séances", exact=True).click()
    assert other.locator('link[rel="icon"]').get_attribute("href").endswith("favicon.svg")
    assert other.request.get(f"{live_server.url}/favicon.ico").ok
