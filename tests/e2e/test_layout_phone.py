"""Every main page, as the role that reads it, at 1366 px (laptop), 820 px (tablet) and 390 px (phone): no sideways
scroll (``document.documentElement.scrollWidth <= window.innerWidth``), no serious or critical
axe-core violation, and a full-page screenshot of each under tests/e2e/screenshots/
(``layout-<width>-<page>.png``).

The data is the reports tests' ``world`` (a mandate whose application of Éloïse Lœwenbrück-Ngô has
three submitted scorecards and four held, observed and debriefed sessions) plus two rated
candidates, so the dashboard, the comparison and the dot plot have something to show. Users are
signed in by copying a test client's session cookie into the browser (``force_login`` stands for
the whole login, second factor included: ``tests/conftest.py``), so the test measures pages, not
the login form.
"""

import pytest
from django.test import Client
from django.urls import reverse

from reports import services as report_services
from tests.conftest import ensure_reference_data
from tests.reports.conftest import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Pages whose tables must fit whole, without a scrolling box inside the page (the CEO's dashboard
#: and the comparison: the figures a decision is read from, every column in view).
FIT_WITHOUT_INNER_SCROLL = {"dashboard", "comparison"}
WIDTHS = {
    "laptop": {"width": 1366, "height": 900},
    "tablet": {"width": 820, "height": 1180},
    "phone": {"width": 390, "height": 844},
}

#: Measures the page's overflow and names the widest elements sticking out (for the message).
OVERFLOW = """() => {
  const width = window.innerWidth;
  const culprits = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      let scrolled = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const overflow = getComputedStyle(p).overflowX;
        if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') { scrolled = true; break; }
      }
      if (!scrolled) culprits.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} → ${Math.round(box.right)}`);
    }
  }
  const inner = [...document.querySelectorAll('.table-responsive')]
    .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
    .map((el) => `${el.firstElementChild ? el.firstElementChild.id || el.firstElementChild.tagName : ''}: ${el.scrollWidth} > ${el.clientWidth}`);
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits: culprits.slice(0, 8), inner};
}"""


@pytest.fixture
def layout_world(transactional_db):
    ensure_reference_data()
    world = make_world()
    world.forte = world.candidate_application(
        "Alice", "Forte-Delacroix-Marchand", levels=(5, 4, 4), years_finance=3, years_hr=3, years_legal=3
    )
    world.bancal = world.candidate_application(
        "Bruno", "Bancal", levels=(4, 4, 2), years_finance=14, years_hr=1
    )
    # A rendered report (eager task), so the reports list has its download button.
    report_services.report_request(application=world.application, by=world.ceo, language="fr")
    return world


def signed_in(new_page, live_server, user, viewport):
    """A browser page signed in as ``user`` (session cookie of a test client's ``force_login``)."""
    client = Client()
    client.force_login(user)
    page = new_page(viewport=viewport)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def main_pages(world):
    """``[(name, role attribute of the world, path)]``: every main page as the role that reads it."""
    application = world.application
    session = application.working_sessions.order_by("order").first()
    slug = world.mandate.slug
    compare = (
        reverse("reports:compare", args=[slug])
        + f"?a={application.pk}&a={world.forte.pk}&a={world.bancal.pk}"
    )
    return [
        ("mandate-list", "recruiter", reverse("candidates:mandate_list")),
        ("pipeline", "recruiter", reverse("candidates:pipeline", args=[slug])),
        ("application", "recruiter", application.get_absolute_url()),
        ("candidate", "recruiter", reverse("candidates:candidate_detail", args=[application.candidate_id])),
        ("summary", "recruiter", reverse("assessments:summary", args=[application.pk])),
        ("import", "recruiter", reverse("candidates:import", args=[slug])),
        ("reports-list", "recruiter", reverse("reports:list", args=[application.pk])),
        ("application-sessions", "recruiter", reverse("working_sessions:application", args=[application.pk])),
        ("my-scorecards", "recruiter", reverse("assessments:my_scorecards")),
        ("dashboard", "ceo", reverse("reports:dashboard", args=[slug])),
        ("comparison", "ceo", compare),
        (
            "calendar",
            "ceo",
            reverse("working_sessions:calendar") + f"?day={session.starts_at.date().isoformat()}",
        ),
        (
            "calendar-week",
            "mediator",
            reverse("working_sessions:calendar") + f"?view=week&day={session.starts_at.date().isoformat()}",
        ),
        ("my-sessions", "mediator", reverse("working_sessions:mine")),
        ("session", "mediator", session.get_absolute_url()),
        ("decision", "ceo", reverse("decisions:meeting", args=[application.pk])),
    ]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_main_pages_fit_and_pass_axe(new_page, live_server, layout_world, axe, shoot, width):
    pages = {}
    problems = []
    for name, role, path in main_pages(layout_world):
        if role not in pages:
            pages[role] = signed_in(new_page, live_server, getattr(layout_world, role), WIDTHS[width])
        page = pages[role]
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{name}: HTTP {response.status}"
        shoot(page, f"layout-{WIDTHS[width]['width']}-{name}")
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > measured["innerWidth"]:
            problems.append(f"{name}: {measured}")
        if name == "reports-list":  # the download button used to sit off-screen on a phone
            box = page.get_by_role("link", name="Télécharger (PDF)").bounding_box()
            if box is None or box["x"] + box["width"] > measured["innerWidth"]:
                problems.append(f"{name}: the download button is off-screen ({box})")
        if name == "dashboard":  # the table on a laptop, one card per candidate on a phone
            table, cards = page.locator("#dashboard"), page.locator("#dashboard-cards article")
            wide = WIDTHS[width]["width"] >= 1200
            if table.is_visible() != wide or cards.first.is_visible() == wide or cards.count() != 3:
                problems.append(f"{name}: table visible {table.is_visible()}, {cards.count()} cards")
        if name in FIT_WITHOUT_INNER_SCROLL and measured["inner"]:
            problems.append(f"{name}: a table scrolls inside the page: {measured['inner']}")
        try:
            axe.check(page, f"{name} at {WIDTHS[width]['width']} px")
        except AssertionError as exc:
            problems.append(str(exc).split("\nassert")[0])
    assert not problems, "pages scrolling sideways or failing axe-core:\n" + "\n".join(problems)
