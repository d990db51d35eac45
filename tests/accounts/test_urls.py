"""Every sign-in URL (namespace ``accounts``) × anonymous and signed-in users: the pages about
one's own account need a login (anonymous → login page with ``next``), the password-reset pages are
public. ``test_every_accounts_url_is_listed`` fails until a new URL is added here."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import get_resolver, reverse

from tests.factories import MandateFactory, UserFactory

pytestmark = pytest.mark.django_db

RESET_KWARGS = {"uidb64": "MQ", "token": "set-password"}

#: name → (GET answer for anonymous, GET answer for a signed-in, verified user)
URLS = {
    "two_factor": ("login", 200),
    "two_factor_enrol": ("login", 200),
    "two_factor_verify": ("login", 302),  # verified already: sent on
    "two_factor_backup_codes": ("login", 200),
    "two_factor_disable": ("login", 405),  # POST only
    "password_change": ("login", 200),
    "password_change_done": ("login", 200),
    "password_reset": (200, 200),
    "password_reset_done": (200, 200),
    "password_reset_confirm": (200, 200),  # an invalid link: the page says so
    "password_reset_complete": (200, 200),
}


def url_of(name):
    return reverse(f"accounts:{name}", kwargs=RESET_KWARGS if name == "password_reset_confirm" else None)


def test_every_accounts_url_is_listed():
    _prefix, resolver = get_resolver().namespace_dict["accounts"]
    assert {pattern.name for pattern in resolver.url_patterns} == set(URLS)


@pytest.mark.parametrize("name", sorted(URLS))
def test_anonymous(client, name):
    url = url_of(name)
    response = client.get(url, follow=name == "password_reset_confirm")
    expected = URLS[name][0]
    if expected == "login":
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse(settings.LOGIN_URL) and parse_qs(location.query) == {"next": [url]}
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ["recruiter", "ceo", "mediator", "staff"])
@pytest.mark.parametrize("name", sorted(URLS))
def test_signed_in(client, name, role):
    user = UserFactory(is_staff=role == "staff", groups=[] if role == "staff" else [role])
    if role == "ceo":
        MandateFactory(ceo=user)
    client.force_login(user)
    response = client.get(url_of(name), follow=name == "password_reset_confirm")
    assert response.status_code == URLS[name][1]
