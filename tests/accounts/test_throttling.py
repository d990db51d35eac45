"""Login throttling (accounts/throttle.py): per account across addresses, per address across
accounts, a lock its owner passes (password + second factor, or the reset e-mail), and the client
address read through a trusted proxy only.

(a) and (b) fail on the old main (axes locked the username+address pair only)."""

import re

import pytest
from django.contrib.auth import get_user
from django.test import override_settings
from django.urls import reverse

from outbox.models import OutboundEmail
from tests.accounts.helpers import PASSWORD, code, post_login, totp_device, unthrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"
OWNER = "192.0.2.10"


def locked(response) -> bool:
    return response.status_code == 429


def logged_in(client) -> bool:
    return get_user(client).is_authenticated


def test_a_the_same_account_from_another_address_is_refused_after_the_limit(client, settings):
    UserFactory(username="victime")
    for i in range(settings.AXES_FAILURE_LIMIT):
        response = post_login(client, "victime", f"faux-{i}", address=f"198.51.100.{i + 1}")
        assert response.status_code in (200, 429)
    response = post_login(client, "victime", PASSWORD, address="203.0.113.200")
    assert locked(response)
    assert not logged_in(client)


def test_b_one_address_trying_many_accounts_is_blocked(client, settings):
    users = [UserFactory(username=f"compte{i}") for i in range(7)]
    tries = 0
    blocked_at = None
    for user in users[:6]:
        for attempt in range(4):  # under the account limit for each
            response = post_login(client, user.username, f"faux-{attempt}", address=ATTACKER)
            tries += 1
            if locked(response) and blocked_at is None:
                blocked_at = tries
    assert blocked_at == settings.LOGIN_IP_FAILURE_LIMIT
    # Even the right password of an untouched account is refused from that address…
    assert locked(post_login(client, users[6].username, PASSWORD, address=ATTACKER))
    assert not logged_in(client)
    # …but not from elsewhere.
    assert post_login(client, users[6].username, PASSWORD, address=OWNER).status_code == 302
    assert logged_in(client)


def _lock_account(client, username, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, username, f"faux-{i}", address=f"198.51.100.{10 + i}")


def test_c_the_owner_passes_the_account_lock_with_password_and_second_factor(client, settings):
    user = UserFactory(username="proprietaire", is_staff=True)
    device = totp_device(user)
    _lock_account(client, "proprietaire", settings)
    # The password alone: refused, the lock page offers the code field.
    page = post_login(client, "proprietaire", PASSWORD, address=OWNER)
    assert locked(page) and 'name="otp_token"' in page.content.decode()
    # The attacker: a wrong password with a code, or the right one with a wrong code, same page.
    wrong_password = post_login(client, "proprietaire", "faux", address=ATTACKER, otp_token=code(device))
    wrong_code = post_login(client, "proprietaire", PASSWORD, address=ATTACKER, otp_token="000000")
    assert locked(wrong_password) and locked(wrong_code)
    assert not logged_in(client)

    def masked(response):
        html = response.content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert masked(wrong_password) == masked(wrong_code)
    # The owner: password + a valid code → signed in, second factor already shown.
    unthrottle(device)
    response = post_login(
        client, "proprietaire", PASSWORD, address=OWNER, otp_token=code(device, offset=1), next="/admin/"
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200  # no verification step: verified at login
    # The attacker still fails afterwards.
    client.logout()
    assert locked(post_login(client, "proprietaire", "encore-faux", address=ATTACKER))


def test_c_a_backup_code_passes_the_lock_too(client, settings):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    user = UserFactory(username="secours")
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd1234")
    _lock_account(client, "secours", settings)
    response = post_login(client, "secours", PASSWORD, address=OWNER, otp_token="abcd1234")
    assert response.status_code == 302 and logged_in(client)


def test_c_an_owner_without_second_factor_gets_in_through_the_reset_email(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="sansfacteur", email="sans.facteur@example.org")
    _lock_account(client, "sansfacteur", settings)
    assert locked(post_login(client, "sansfacteur", PASSWORD, address=OWNER))
    with django_capture_on_commit_callbacks(execute=True):
        with_commit = client.post(reverse("accounts:password_reset"), {"email": "sans.facteur@example.org"})
    assert with_commit.status_code == 302
    row = OutboundEmail.objects.get(to="sans.facteur@example.org")
    link = re.search(r"https?://\S+/account/password/reset/\S+/", row.body).group(0)
    path = "/" + link.split("/", 3)[3]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Nouveau-mot-2026!", "new_password2": "Nouveau-mot-2026!"},
    )
    assert response.status_code == 302 and logged_in(client)
    assert client.get(reverse("candidates:mandate_list")).status_code == 200


@override_settings(TRUSTED_PROXY_COUNT=1, TRUSTED_PROXY_IPS=["10.0.0.2"])
def test_d_behind_the_trusted_proxy_two_clients_are_counted_apart(client, settings):
    UserFactory(username="derriere-proxy")
    for i in range(settings.LOGIN_IP_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": f"fantome{i}", "password": "faux"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="192.0.2.1",
        )
    first = client.post(
        reverse("login"),
        {"username": "derriere-proxy", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )
    assert locked(first)
    second = client.post(
        reverse("login"),
        {"username": "derriere-proxy", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.2",
    )
    assert second.status_code == 302 and logged_in(client)


@override_settings(TRUSTED_PROXY_COUNT=0, TRUSTED_PROXY_IPS=[])
def test_d_without_a_proxy_a_forged_forwarded_for_does_not_dodge_the_address_limit(client, settings):
    UserFactory(username="usurpe")
    for i in range(settings.LOGIN_IP_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": f"fantome{i}", "password": "faux"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i + 1}",
        )
    response = client.post(
        reverse("login"),
        {"username": "usurpe", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.250",
    )
    assert locked(response) and not logged_in(client)


def test_the_lock_page_is_french_and_says_which_lock(client, settings):
    _lock_account(client, "inconnu", settings)  # an account that does not exist locks alike
    page = post_login(client, "inconnu", "faux", address=OWNER).content.decode()
    assert "Trop de tentatives" in page and "mot de passe et un code" in page
