"""The second factor (django-otp TOTP + backup codes): required for staff and CEOs before any page
(the admin included), optional for the others, enrolment with a QR code, verification, backup codes
shown once, turned off by the user with a code or by staff in the admin."""

import re

import pytest
from django.contrib.auth import get_user
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import PASSWORD, code, password_only_login, post_login, totp_device, unthrottle
from tests.factories import MandateFactory, UserFactory

pytestmark = pytest.mark.django_db


def enrol_url(next_url):
    return f"{reverse('accounts:two_factor_enrol')}?next={next_url.replace('/', '%2F')}"


@pytest.mark.parametrize("who", ["staff", "ceo", "ceo-without-group"])
def test_staff_and_ceos_must_enrol_before_any_page(client, who):
    user = (
        UserFactory(is_staff=True) if who == "staff" else UserFactory(groups=["ceo"] if who == "ceo" else [])
    )
    if who != "staff":
        MandateFactory(ceo=user)
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    for url in ("/", reverse("profile"), "/admin/", reverse("working_sessions:mine")):
        page = client.get(url)
        assert page.status_code == 302 and page["Location"] == enrol_url(url), url
    assert client.get(reverse("accounts:two_factor_enrol")).status_code == 200


def test_pages_that_stay_reachable_before_the_second_factor(client):
    user = UserFactory(is_staff=True)
    password_only_login(client, user)
    assert client.get(reverse("health")).status_code in (200, 500)
    assert client.get(reverse("accounts:two_factor_enrol")).status_code == 200
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "fr", "next": "/"}).status_code == 302
    assert client.get("/static/css/app.css").status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert not get_user(client).is_authenticated


def test_others_need_no_second_factor_and_may_enrol(client):
    recruiter = UserFactory(groups=["recruiter"])
    post_login(client, recruiter.username, PASSWORD)
    assert client.get("/").status_code == 200
    overview = client.get(reverse("accounts:two_factor")).content.decode()
    assert reverse("accounts:two_factor_enrol") in overview
    assert reverse("accounts:two_factor") in client.get(reverse("profile")).content.decode()


def test_enrolment_confirms_with_a_code_and_shows_the_backup_codes_once(client):
    user = UserFactory(groups=["ceo"])
    MandateFactory(ceo=user)
    post_login(client, user.username, PASSWORD)
    page = client.get(reverse("accounts:two_factor_enrol"))
    html = page.content.decode()
    assert "<svg" in html and "<?xml" not in html
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    from base64 import b32encode

    assert secret == b32encode(device.bin_key).decode().rstrip("=")
    wrong = client.post(reverse("accounts:two_factor_enrol"), {"otp_token": "123456"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    unthrottle(device)
    response = client.post(reverse("accounts:two_factor_enrol"), {"otp_token": code(device), "next": "/"})
    assert response.status_code == 302
    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r'<li class="col">([a-z0-9]+)</li>', codes_page)
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(codes)
    again = client.get(reverse("accounts:two_factor_backup_codes")).content.decode()
    assert not any(c in again for c in codes)  # shown once
    assert client.get("/", follow=True).status_code == 200  # verified in this session (lands on To do)


def test_a_password_alone_never_adds_an_authenticator(client):
    """An attacker with the password of an enrolled user cannot enrol their own phone."""
    user = UserFactory(is_staff=True)
    totp_device(user)
    post_login(client, user.username, PASSWORD)
    response = client.get(reverse("accounts:two_factor_enrol"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:two_factor_verify"))
    assert client.post(reverse("accounts:two_factor_enrol"), {"otp_token": "000000"}).status_code == 302
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_an_enrolled_user_is_asked_for_a_code_at_login_and_the_admin_too(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    device = totp_device(staff)
    post_login(client, staff.username, PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:two_factor_verify")
    )
    verify = reverse("accounts:two_factor_verify")
    wrong = client.post(verify, {"otp_token": "000000", "next": "/admin/"})
    assert wrong.status_code == 200 and "Ce code n’est pas valide" in wrong.content.decode()
    unthrottle(device)
    response = client.post(verify, {"otp_token": code(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_optional_user_who_enrolled_is_asked_too(client):
    recruiter = UserFactory(groups=["recruiter"])
    totp_device(recruiter)
    post_login(client, recruiter.username, PASSWORD)
    assert client.get("/")["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_wrong_codes_are_throttled(client):
    user = UserFactory(is_staff=True)
    device = totp_device(user)
    post_login(client, user.username, PASSWORD)
    client.post(reverse("accounts:two_factor_verify"), {"otp_token": "000000"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Even the right code waits for the delay to pass (1 s, then 2, 4, 8 … after more failures).
    response = client.post(reverse("accounts:two_factor_verify"), {"otp_token": code(device)})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_a_backup_code_works_once(client):
    user = UserFactory(is_staff=True)
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd1234")
    post_login(client, user.username, PASSWORD)
    response = client.post(reverse("accounts:two_factor_verify"), {"otp_token": "abcd1234", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not StaticToken.objects.filter(device=backup).exists()
    client.post(reverse("logout"))
    post_login(client, user.username, PASSWORD)
    assert client.post(reverse("accounts:two_factor_verify"), {"otp_token": "abcd1234"}).status_code == 200


def test_new_backup_codes_replace_the_old_ones(client):
    user = UserFactory(groups=["recruiter"])
    client.force_login(user)
    old = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    response = client.post(reverse("accounts:two_factor_backup_codes"))
    assert response.status_code == 302
    page = client.get(reverse("accounts:two_factor_backup_codes")).content.decode()
    new = set(re.findall(r'<li class="col">([a-z0-9]+)</li>', page))
    assert len(new) == 10 and not (old & new)


def test_the_user_turns_it_off_with_a_code_only(client):
    user = UserFactory(groups=["recruiter"])
    device = totp_device(user)
    client.force_login(user)
    client.post(reverse("accounts:two_factor_disable"), {"otp_token": "000000"})
    assert TOTPDevice.objects.filter(user=user).exists()
    unthrottle(device)
    client.post(reverse("accounts:two_factor_disable"), {"otp_token": code(device)})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert client.get("/").status_code == 200  # optional for a recruiter


def test_a_ceo_who_turns_it_off_must_enrol_again_at_once(client):
    ceo = UserFactory(groups=["ceo"])
    MandateFactory(ceo=ceo)
    device = totp_device(ceo)
    client.force_login(ceo)
    client.post(reverse("accounts:two_factor_disable"), {"otp_token": code(device)})
    assert client.get("/")["Location"].startswith(reverse("accounts:two_factor_enrol"))


def test_staff_reset_a_users_second_factor_in_the_admin(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    ceo = UserFactory(groups=["ceo"])
    device = totp_device(ceo)
    client.force_login(admin)
    changelist = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert changelist.status_code == 200 and device.key not in changelist.content.decode()
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


def test_verify_ignores_a_next_to_another_site(client):
    user = UserFactory(is_staff=True)
    device = totp_device(user)
    post_login(client, user.username, PASSWORD)
    response = client.post(
        reverse("accounts:two_factor_verify"), {"otp_token": code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("candidates:mandate_list")


def _shown_secret(client) -> str:
    html = client.get(reverse("accounts:two_factor_enrol")).content.decode()
    return re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


def test_a_pending_secret_is_this_sessions_only_and_dies_when_the_owner_enrols():
    """Someone who knows the password and opened the enrolment page first must not end up holding
    the owner's authenticator: each session sets up its own secret; the owner's confirmation
    discards the others."""
    from base64 import b32encode

    from django.test import Client

    user = UserFactory(groups=["ceo"])
    MandateFactory(ceo=user)
    intruder, owner = Client(), Client()
    post_login(intruder, user.username, PASSWORD)
    post_login(owner, user.username, PASSWORD, address="198.51.100.7")
    stolen = _shown_secret(intruder)
    assert _shown_secret(intruder) == stolen  # a reload keeps this session's secret
    mine = _shown_secret(owner)
    assert mine != stolen
    device = next(
        d for d in TOTPDevice.objects.filter(user=user) if b32encode(d.bin_key).decode().rstrip("=") == mine
    )
    assert owner.post(reverse("accounts:two_factor_enrol"), {"otp_token": code(device)}).status_code == 302
    confirmed = TOTPDevice.objects.get(user=user)  # the intruder's pending device is gone
    assert confirmed.confirmed and b32encode(confirmed.bin_key).decode().rstrip("=") == mine


def test_a_double_submitted_enrolment_creates_one_set_of_backup_codes(client):
    user = UserFactory(is_staff=True)
    post_login(client, user.username, PASSWORD)
    client.get(reverse("accounts:two_factor_enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    token = code(device)
    first = client.post(reverse("accounts:two_factor_enrol"), {"otp_token": token})
    codes = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    second = client.post(reverse("accounts:two_factor_enrol"), {"otp_token": token})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("accounts:two_factor")  # no second set of codes
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == codes
