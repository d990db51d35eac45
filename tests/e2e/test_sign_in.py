"""Sign-in in Chromium at phone width (390 px), in French: a CEO sets up the second factor (QR code
and secret key, code, backup codes), logs out, logs in again with a code; the lock page after
others' failures lets the owner in with password + code; the reset and password pages. Each page
is checked with axe-core and must not scroll sideways."""

import re

import pytest
from django_otp.oath import TOTP

from tests.conftest import ensure_reference_data
from tests.e2e.conftest import pass_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-e2e-2026-signin"  # noqa: S105 — test account
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def ceo(db):
    from tests.factories import MandateFactory, UserFactory

    ensure_reference_data()
    user = UserFactory(username="dirigeante", first_name="Maud", last_name="Perrin")
    user.set_password(PASSWORD)
    user.save()
    MandateFactory(ceo=user, slug="cso-signin")
    return user


def fits(page, name):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width}px wide at {PHONE['width']}px"


def fill_login(page, base, username, password):
    page.goto(f"{base}/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def current_code(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += device.step  # the next step's code: the set-up one is spent
    return f"{totp.token():06d}"


def test_second_factor_journey_at_phone_width(new_page, live_server, ceo, axe, settings):
    base = live_server.url
    page = new_page(viewport=PHONE)
    fill_login(page, base, ceo.username, PASSWORD)
    page.wait_for_url(re.compile(r".*/two-factor/enrol/.*"))
    assert page.locator("svg").first.is_visible()
    fits(page, "set-up")
    pass_second_factor(page, axe)
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{base}/account/profile/")
    page.get_by_role("link", name="Second facteur").click()
    axe.check(page, "second factor overview")
    fits(page, "overview")
    page.goto(f"{base}/account/password/")
    axe.check(page, "password change")
    fits(page, "password change")

    # Log out, log in again: the code is asked.
    page.get_by_role("button", name="Afficher le menu").click()  # the menu is folded at phone width
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r".*/login/$"))  # signed out before signing in again
    fill_login(page, base, ceo.username, PASSWORD)
    page.wait_for_url(re.compile(r".*/two-factor/verify/.*"))
    axe.check(page, "verify")
    fits(page, "verify")
    page.get_by_label("Code").fill(current_code(ceo))
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_the_lock_page_lets_the_owner_in_at_phone_width(new_page, live_server, ceo, axe):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=ceo, name="phone", confirmed=True)
    base = live_server.url
    page = new_page(viewport=PHONE)
    for _ in range(5):
        fill_login(page, base, ceo.username, "mauvais-mot-de-passe")
    page.get_by_text("Trop de tentatives de connexion").wait_for()
    axe.check(page, "lock page")
    fits(page, "lock page")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Code").fill(current_code(ceo))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r".*/$"))
    assert "/two-factor/" not in page.url and "Se déconnecter" in page.content()


def test_the_reset_pages_at_phone_width(new_page, live_server, ceo, axe):
    base = live_server.url
    page = new_page(viewport=PHONE)
    page.goto(f"{base}/login/")
    page.get_by_role("link", name="Mot de passe oublié\u00a0?").click()
    axe.check(page, "reset request")
    fits(page, "reset request")
    page.locator("input[name=email]").fill(ceo.email)
    page.get_by_role("button", name="Envoyer le lien").click()
    page.get_by_text("Si un compte utilise cette adresse").wait_for()
    axe.check(page, "reset sent")
    fits(page, "reset sent")
