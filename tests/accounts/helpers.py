"""Helpers of the sign-in tests."""

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "pw-test-1234"  # noqa: S105 — tests.factories.UserFactory's


def password_only_login(client, user):
    """``force_login`` without the second factor (what a password alone gives)."""
    client._force_login_without_second_factor(user)
    return client


def totp_device(user, *, confirmed=True) -> TOTPDevice:
    """A TOTP device of ``user``."""
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)


def code(device, *, offset=0) -> str:
    """The device's current code (``offset`` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += offset * device.step
    return f"{totp.token():0{device.digits}d}"


def post_login(client, username, password, *, address="203.0.113.9", **extra):
    """POST the login form from ``address``; returns the response."""
    data = {"username": username, "password": password, **extra}
    return client.post(reverse("login"), data, REMOTE_ADDR=address)


def unthrottle(device):
    """Forget the device's wrong codes (django-otp makes the next try wait 2^(n-1) s)."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    device.refresh_from_db()
