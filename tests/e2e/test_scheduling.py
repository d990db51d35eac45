"""Scheduling and the calendar in a real browser, at 1366 and 390 px: a session in the past is
held back with a warning and a confirmation box (what was typed stays), an application with four
sessions shows an explanation instead of the form, and "Agenda" shows the sessions on a month grid
(a list of days on a phone) and a week. Screenshots under tests/e2e/screenshots/."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.e2e import test_layout_phone
from tests.e2e.test_layout_phone import WIDTHS, signed_in

#: The layout test's data (a mandate with a four-session application and two rated candidates).
layout_world = test_layout_phone.layout_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCHEDULE = "Planifier et envoyer les invitations"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_past_session_confirmation_and_the_full_explanation(
    new_page, live_server, layout_world, axe, shoot, width
):
    world = layout_world
    pixels = WIDTHS[width]["width"]
    page = signed_in(new_page, live_server, world.recruiter, WIDTHS[width])
    page.goto(live_server.url + reverse("working_sessions:application", args=[world.bancal.pk]))
    day = timezone.localdate() - timedelta(days=2)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Début").fill("10:00")
    page.get_by_label("Fin").fill("11:00")
    page.get_by_label("Lieu ou lien de visioconférence").fill("Salle des Tilleuls, Nantes")
    page.get_by_label("Problématique métier réelle à traiter").fill("Refondre les achats indirects.")
    page.get_by_role("button", name=SCHEDULE).click()
    page.get_by_text("Cette séance est dans le passé.").wait_for()
    assert page.get_by_label("Date").input_value() == day.isoformat()
    assert page.get_by_label("Lieu ou lien de visioconférence").input_value() == "Salle des Tilleuls, Nantes"
    assert (
        page.get_by_label("Problématique métier réelle à traiter").input_value()
        == "Refondre les achats indirects."
    )
    assert world.bancal.working_sessions.count() == 0
    axe.check(page, f"past-session warning at {pixels} px")
    shoot(page, f"scheduling-{pixels}-past-warning")
    page.get_by_label("Oui, cette séance est passée").check()
    page.get_by_role("button", name=SCHEDULE).click()
    page.get_by_text("Séance 1 planifiée").wait_for()
    assert world.bancal.working_sessions.count() == 1

    page.goto(live_server.url + reverse("working_sessions:application", args=[world.application.pk]))
    page.get_by_text("Cette candidature a ses 4 séances de travail.").wait_for()
    assert page.get_by_label("Date").count() == 0
    assert page.get_by_role("button", name=SCHEDULE).count() == 0
    axe.check(page, f"four sessions at {pixels} px")
    shoot(page, f"scheduling-{pixels}-four-sessions")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_calendar_month_and_week(new_page, live_server, layout_world, axe, shoot, width):
    world = layout_world
    pixels = WIDTHS[width]["width"]
    first = world.application.working_sessions.order_by("order").first()
    day = timezone.localtime(first.starts_at).date()
    page = signed_in(new_page, live_server, world.ceo, WIDTHS[width])
    page.goto(live_server.url + reverse("working_sessions:calendar") + f"?day={day.isoformat()}")
    where = "#calendar-grid" if pixels >= 768 else "#calendar-list"  # Bootstrap md: the grid from 768 px
    link = page.locator(f'{where} [data-day="{day.isoformat()}"] a[href="{first.get_absolute_url()}"]')
    assert link.is_visible()
    assert "09:00–10:30" in link.inner_text() and "Lœwenbrück-Ngô" in link.inner_text()
    assert page.locator("#feed-url").input_value().endswith(".ics")
    axe.check(page, f"calendar month at {pixels} px")
    shoot(page, f"calendar-{pixels}-month")
    page.get_by_role("link", name="Semaine", exact=True).click()
    page.wait_for_url("**view=week**")
    assert page.locator(
        f'{where} [data-day="{day.isoformat()}"] a[href="{first.get_absolute_url()}"]'
    ).is_visible()
    axe.check(page, f"calendar week at {pixels} px")
    shoot(page, f"calendar-{pixels}-week")
    page.locator(f'{where} a[href="{first.get_absolute_url()}"]').first.click()
    page.wait_for_url(f"**{first.get_absolute_url()}")
