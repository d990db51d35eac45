"""The shortlist pages in Chromium at 1366, 820 and 390 px (the comparison page with its request
button, a shortlist's status page, the versions page): no sideways scroll, no serious or critical
axe-core violation, a screenshot of each (``tests/e2e/screenshots/shortlist-<width>-<page>.png``);
and the status card updating in place until the download link, as the report's does."""

import re

import pytest
from django.urls import reverse

from tests.conftest import ensure_reference_data
from tests.e2e.test_layout_phone import OVERFLOW, WIDTHS, signed_in
from tests.reports.conftest import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shortlist_world(transactional_db):
    from reports import services

    ensure_reference_data()
    world = make_world()
    world.second = world.candidate_application("Alice", "Forte-Delacroix-Marchand", levels=(5, 4, 4))
    world.third = world.candidate_application("Bruno", "Bancal", levels=(4, 4, 2))
    world.shortlist = services.shortlist_request(  # eager task: rendered at once
        mandate=world.mandate,
        applications=[world.application, world.second, world.third],
        by=world.ceo,
    )
    return world


@pytest.mark.parametrize("width", list(WIDTHS))
def test_shortlist_pages_fit_and_pass_axe(new_page, live_server, shortlist_world, axe, shoot, width):
    world = shortlist_world
    ids = [world.application.pk, world.second.pk, world.third.pk]
    pages = [
        (
            "comparison",
            reverse("reports:compare", args=[world.mandate.slug]) + "?" + "&".join(f"a={i}" for i in ids),
        ),
        ("status", reverse("reports:shortlist_status", args=[world.shortlist.pk])),
        ("versions", reverse("reports:shortlist_list", args=[world.mandate.slug])),
    ]
    page = signed_in(new_page, live_server, world.ceo, WIDTHS[width])
    problems = []
    for name, path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{name}: HTTP {response.status}"
        shoot(page, f"shortlist-{WIDTHS[width]['width']}-{name}")
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > measured["innerWidth"]:
            problems.append(f"{name}: {measured}")
        if name == "comparison":
            button = page.get_by_role("button", name="PDF de shortlist de ces finalistes")
            box = button.bounding_box()
            if box is None or box["x"] + box["width"] > measured["innerWidth"]:
                problems.append(f"{name}: the request button is off-screen ({box})")
        if name == "status":
            link = page.get_by_role("link", name="Télécharger (PDF)")
            box = link.bounding_box()
            if box is None or box["x"] + box["width"] > measured["innerWidth"]:
                problems.append(f"{name}: the download link is off-screen ({box})")
        try:
            axe.check(page, f"shortlist {name} at {WIDTHS[width]['width']} px")
        except AssertionError as exc:
            problems.append(str(exc).split("\nassert")[0])
    assert not problems, "shortlist pages scrolling sideways or failing axe-core:\n" + "\n".join(problems)


def test_the_shortlist_status_updates_in_place_until_the_download_link(new_page, live_server, monkeypatch):
    from outbox import services as outbox_services
    from reports import services
    from reports.models import Shortlist

    ensure_reference_data()
    world = make_world()
    second = world.candidate_application("Alice", "Forte-Delacroix-Marchand", levels=(5, 4, 4))
    with monkeypatch.context() as patch:  # no worker: the shortlist stays queued
        patch.setattr(outbox_services, "task_request", lambda *args, **kwargs: None)
        patch.setattr("reports.pipeline.task_request", lambda *args, **kwargs: None)
        shortlist = services.shortlist_request(
            mandate=world.mandate, applications=[world.application, second], by=world.ceo
        )
    assert Shortlist.objects.get(pk=shortlist.pk).status == Shortlist.Status.QUEUED
    page = signed_in(new_page, live_server, world.ceo, WIDTHS["laptop"])
    page.goto(f"{live_server.url}{shortlist.get_absolute_url()}")
    page.get_by_text("En attente d’un processus de rendu du PDF…").wait_for()
    page.evaluate("window.__samePage = true")

    services.shortlist_render(shortlist_id=shortlist.pk)  # the worker, while the page is open

    page.get_by_role("link", name=re.compile("Télécharger")).wait_for(timeout=30_000)
    assert page.evaluate("window.__samePage === true")
    assert page.get_attribute("#report-status", "aria-busy") == "false"
