"""Browser fixtures: Playwright driving Debian's Chromium (/usr/bin/chromium), no browser download.

Without Chromium the browser tests skip and say so; with ``CSO_REQUIRE_SERVICES=1`` (CI) they fail
instead. axe-core comes from the npm package (``node_modules/axe-core/axe.min.js``), loaded as a
same-origin script (``/__axe__.js``, answered by Playwright) so the site's Content-Security-Policy
(no inline script) stays on. Every page opened with ``new_page`` fails its test on any CSP
violation (Chromium's console, and the ``securitypolicyviolation`` events).
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_service

CHROMIUM = os.environ.get("CSO_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "e2e" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the test still talks to the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser():
    require_service(_chromium_available(), f"Chromium ({CHROMIUM})")
    require_service(AXE.exists(), "axe-core (npm install)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev installs it
        require_service(False, "playwright (pip)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


AXE_PATH = "/__axe__.js"


class Axe:
    """Runs axe-core in a page and fails on serious or critical violations."""

    def __init__(self):
        self.source = AXE.read_text(encoding="utf-8")

    def check(self, page, name):
        # Same origin as the page, so the policy's script-src 'self' lets it in (an inline script,
        # ``add_script_tag(content=…)``, would be refused).
        page.route(
            f"**{AXE_PATH}",
            lambda route: route.fulfill(body=self.source, content_type="application/javascript"),
        )
        origin = re.match(r"https?://[^/]+", page.url).group(0)
        page.add_script_tag(url=origin + AXE_PATH)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
        details = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} → "
            + "; ".join(
                n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                for n in v["nodes"][:5]
            )
            for v in bad
        )
        assert not bad, f"axe-core: serious/critical violations on {name}:\n{details}"


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def shoot():
    """Save a full-page screenshot under tests/e2e/screenshots/ and print its path."""
    taken = []

    def _shoot(page, name):
        path = SCREENSHOTS / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        print(f"screenshot: {path.relative_to(ROOT)}")
        return path

    yield _shoot


#: Reports every Content-Security-Policy violation of a page to its console (an init script is
#: injected by the browser itself, so the policy does not apply to it).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`);
});
"""


def watch_csp(context, violations):
    """Collect the CSP violations of every page of ``context`` into ``violations``."""
    context.add_init_script(REPORT_CSP_VIOLATIONS)

    def on_page(page):
        page.on(
            "console",
            lambda message: (
                violations.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )

    context.on("page", on_page)


@pytest.fixture
def csp_violations():
    """The CSP violations seen by the pages of the test; it fails if there is any."""
    violations = []
    yield violations
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def new_page(browser, transactional_db, csp_violations):
    """Open a page in a fresh browser context (one per person); every context is closed when the
    test ends, before the live server stops, so no page keeps requesting a stopped server. Any
    Content-Security-Policy violation in its pages fails the test (``csp_violations``)."""
    contexts = []

    def _new_page(**options):
        options = {
            "locale": "fr-FR",
            "viewport": {"width": 1280, "height": 900},
            "accept_downloads": True,
            **options,
        }
        context = browser.new_context(**options)
        watch_csp(context, csp_violations)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


def pass_second_factor(page, axe=None):
    """After the password, when the site asks a staff member or a CEO to set up the second factor:
    do it as a user would — read the secret key shown beside the QR code, type the authenticator's
    code — then keep the backup codes and go on (``accounts/``)."""
    import base64

    from django_otp.oath import TOTP

    if "/account/two-factor/enrol/" not in page.url:
        return
    if axe is not None:
        axe.check(page, "second factor set-up")
    secret = page.locator("#otp-secret").inner_text().replace(" ", "")
    token = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8))).token()
    page.get_by_label("Code").fill(f"{token:06d}")
    page.get_by_role("button", name="Activer", exact=True).click()
    page.get_by_role("link", name="Je les ai conservés").click()


#: The password ``tests.factories.UserFactory`` gives every user.
FACTORY_PASSWORD = "pw-test-1234"  # noqa: S105 — test accounts


def sign_in(new_page, base, user, *, width=1280, password=FACTORY_PASSWORD):
    """A fresh browser context (``new_page``) ``width`` px wide where ``user`` has signed in through
    the login page at ``base`` (the live server's URL), second factor set up when asked; returns
    the page, on the page the login leads to."""
    page = new_page(viewport={"width": width, "height": 900})
    page.goto(f"{base}/login/")
    page.get_by_label("Nom d’utilisateur").fill(user.username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*(/|/two-factor/enrol/\?next=.*)$"))
    pass_second_factor(page)  # staff and CEOs set up their second factor at their first login
    page.wait_for_url(re.compile(r".*/$"))
    return page


def no_sideways_scroll(page):
    """Fail when the page is wider than its window (it would scroll sideways)."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways: {scroll} > {inner}"


@pytest.fixture
def decision_world(db):
    """``tests.reports.conftest.make_world`` without sessions — a mandate whose CEO and two
    recruiters (the panel) submitted a scorecard of Éloïse Lœwenbrück-Ngô's application, stored
    figures computed on write (the reading is incomplete: no session) — the application moved to
    "decision" (no meeting yet)."""
    from candidates.models import Application, Stage
    from tests.conftest import ensure_reference_data
    from tests.reports.conftest import make_world

    ensure_reference_data()
    world = make_world(sessions=0)
    Application.objects.filter(pk=world.application.pk).update(stage=Stage.DECISION)
    world.application.refresh_from_db()
    return world
