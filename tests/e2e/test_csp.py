"""The Content-Security-Policy in a real browser: the watcher of ``new_page`` sees a violation
(so "no violation" in the journey means something), and the pages with charts, the admin and the
language menu (static/js/app.js) work under the policy."""

import re

import pytest

from tests.conftest import ensure_reference_data
from tests.e2e.conftest import pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-e2e-csp-2026"  # noqa: S105 — test account


def login(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*(/|/two-factor/enrol/\?next=.*)$"))
    pass_second_factor(page)  # the CEO and staff set up their second factor at their first login


def test_the_watcher_reports_an_inline_style_and_script_refused_by_the_policy(
    new_page, live_server, csp_violations
):
    page = new_page()
    page.goto(f"{live_server.url}/login/")
    policy = page.context.request.get(f"{live_server.url}/login/").headers["content-security-policy"]
    page.route(
        "**/__csp_probe__/",
        lambda route: route.fulfill(
            body='<!doctype html><p style="color:red">x</p><script>document.title = "ran"</script>',
            content_type="text/html",
            headers={"Content-Security-Policy": policy},
        ),
    )
    page.goto(f"{live_server.url}/__csp_probe__/")
    page.wait_for_timeout(300)
    assert page.title() != "ran"  # the inline script was refused
    seen = "\n".join(csp_violations)
    assert "style-src" in seen and "script-src" in seen
    csp_violations.clear()  # expected here: the fixture's own check passes


def test_pages_with_charts_the_admin_and_the_language_menu_work_under_the_policy(new_page, live_server, axe):
    from tests.factories import UserFactory
    from tests.reports.conftest import make_world

    ensure_reference_data()
    world = make_world(sessions=1)
    for user in (world.ceo,):
        user.set_password(PASSWORD)
        user.save()
    root = UserFactory(username="root-csp", is_staff=True, is_superuser=True)
    root.set_password(PASSWORD)
    root.save()

    page = new_page()
    login(page, live_server.url, world.ceo.username)
    page.goto(f"{live_server.url}/applications/{world.application.pk}/assessment/")
    chart = page.locator("figure svg").first
    chart.wait_for()
    # The chart's own <style> (nonced) applies: its background rect is transparent, not black.
    fill = chart.locator("rect.background").first.evaluate("el => getComputedStyle(el).fill")
    assert fill in ("rgba(0, 0, 0, 0)", "transparent"), fill
    # The bars' own colours (pass green / fail red), moved from style attributes into the nonced
    # style element (``page_chart``), apply too.
    colours = page.locator("g[data-chart-style]").evaluate_all(
        "els => els.map(el => getComputedStyle(el).fill)"
    )
    assert colours and set(colours) <= {"rgb(25, 135, 84)", "rgb(220, 53, 69)", "rgb(253, 126, 20)"}, colours
    axe.check(page, "assessment summary (charts)")
    page.goto(f"{live_server.url}/mandates/{world.mandate.slug}/dashboard/")
    page.select_option("#language-select", "en")  # submits through static/js/app.js
    page.wait_for_load_state("load")
    page.get_by_role("link", name="My dashboard").first.wait_for()  # the CEO's menu, in English

    admin = new_page()
    login(admin, live_server.url, root.username)
    admin.goto(f"{live_server.url}/admin/candidates/candidate/")
    admin.get_by_role("link", name=re.compile(world.application.candidate.last_name)).first.click()
    admin.wait_for_load_state("load")
    admin.goto(f"{live_server.url}/admin/candidates/candidate/{world.application.candidate_id}/history/")
    admin.wait_for_load_state("load")
    admin.goto(f"{live_server.url}/admin/sessions/workingsession/add/")
    admin.wait_for_load_state("load")
