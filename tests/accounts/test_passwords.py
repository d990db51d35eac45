"""Password change (from the profile) and reset by e-mail (through the outbox, a link on SITE_URL,
the same answer for known and unknown addresses, at most PASSWORD_RESET_MAX_PER_HOUR e-mails an
hour to one account), in the site's layout and in French."""

import re

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from outbox.models import OutboundEmail
from tests.accounts.helpers import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW = "Un-nouveau-mot-2026!"


def test_password_change_from_the_profile(client):
    user = UserFactory(groups=["recruiter"])
    client.force_login(user)
    profile = client.get(reverse("profile")).content.decode()
    assert reverse("accounts:password_change") in profile
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert "Changer mon mot de passe" in page and 'id="main"' in page  # the site's layout
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert get_user(client).is_authenticated  # the session is kept
    assert client.get(reverse("candidates:mandate_list")).status_code == 200


def test_a_wrong_old_password_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "faux", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def _reset(client, email):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def test_the_reset_page_does_not_say_whether_an_address_exists(client):
    UserFactory(username="connue", email="connue@example.org")
    known = _reset(client, "connue@example.org")
    unknown = _reset(client, "inconnue@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == reverse("accounts:password_reset_done")
    assert OutboundEmail.objects.filter(to="connue@example.org").count() == 1
    assert not OutboundEmail.objects.filter(to="inconnue@example.org").exists()
    done = client.get(known["Location"]).content.decode()
    assert "Si un compte utilise cette adresse" in done


def test_the_reset_email_goes_through_the_outbox_with_a_link_on_site_url(client, settings):
    settings.SITE_URL = "https://recrutement.example.org"
    user = UserFactory(
        username="oublieuse", email="oublieuse@example.org", first_name="Aline", last_name="Oubli"
    )
    _reset(client, "OUBLIEUSE@example.org")  # case does not matter
    row = OutboundEmail.objects.get(to="oublieuse@example.org")
    assert row.subject == "CSO Recruit\u00a0: choisir un nouveau mot de passe"
    assert "Bonjour Aline Oubli," in row.body and "oublieuse" in row.body
    link = re.search(r"https://recrutement\.example\.org(/account/password/reset/\S+/)", row.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choisir un nouveau mot de passe" in form.content.decode()
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert get_user(client).is_authenticated
    # The link works once.
    client.post(reverse("logout"))
    again = client.get(link, follow=True).content.decode()
    assert "Ce lien n’est pas valide" in again


def test_reset_emails_to_one_account_are_capped_per_hour(client, settings):
    settings.PASSWORD_RESET_MAX_PER_HOUR = 3
    UserFactory(email="pressee@example.org")
    answers = {_reset(client, "pressee@example.org")["Location"] for _ in range(6)}
    assert answers == {reverse("accounts:password_reset_done")}
    assert OutboundEmail.objects.filter(to="pressee@example.org").count() == 3


def test_a_reset_signs_in_but_the_second_factor_is_still_asked(client):
    from tests.accounts.helpers import totp_device

    user = UserFactory(is_staff=True, email="chef@example.org")
    totp_device(user)
    _reset(client, "chef@example.org")
    row = OutboundEmail.objects.get(to="chef@example.org")
    link = re.search(r"https?://[^/\s]+(/account/password/reset/\S+/)", row.body).group(1)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert get_user(client).is_authenticated
    assert client.get("/")["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_the_login_page_links_to_the_reset(client):
    page = client.get(reverse("login")).content.decode()
    assert reverse("accounts:password_reset") in page and "Mot de passe oublié\u00a0?" in page
