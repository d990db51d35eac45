"""Login throttling (django-axes) per account across addresses AND per address across accounts.

Two counters over the cool-off window (``AXES_COOLOFF_TIME``, 15 minutes), both read from axes'
``AccessAttempt`` rows (``AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]``):

- **account**: ``AXES_FAILURE_LIMIT`` (5) failures for one username, from any address, lock that
  username;
- **address**: ``LOGIN_IP_FAILURE_LIMIT`` (20) failures from one client address
  (``cso_recruit.clientip.client_ip``: X-Forwarded-For only behind a configured trusted proxy),
  whatever the usernames, lock that address.

An attacker can always make the account counter reach its limit, so the account lock must not be
a way to keep the owner out: **the right password together with a valid second factor passes
it** (``ThrottledLoginBackend``; the lock page asks for both at once and says nothing about which
one was wrong, so it is no password oracle). An owner without a second factor gets in through the
password-reset e-mail, which signs them in (``post_reset_login``). The address lock has no such
exception (the owner is rarely behind the attacker's address; they wait for the cool-off).
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials, get_lockout_parameters
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.shortcuts import render
from django_otp import devices_for_user

ACCOUNT = "account"
ADDRESS = "address"
#: Set on the request when the account lock was passed with a second factor: the device to
#: record in the session at login (``accounts.signals``).
VERIFIED_DEVICE_ATTR = "_cso_login_device"


class ThrottlingHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per counter (account, address)."""

    def failure_counts(self, request, credentials=None) -> dict:
        """Failures within the cool-off window: ``{"account": n, "address": m}``."""
        counts = {ACCOUNT: 0, ADDRESS: 0}
        parameters = get_lockout_parameters(request, credentials)
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            names = [parameter] if isinstance(parameter, str) else list(parameter)
            kind = {("username",): ACCOUNT, ("ip_address",): ADDRESS}.get(tuple(names))
            if kind:
                counts[kind] = max(counts[kind], sum(attempts.values_list("failures_since_start", flat=True)))
        return counts

    def locks(self, request, credentials=None) -> set:
        """The counters at their limit for this request: a subset of ``{"account", "address"}``."""
        counts = self.failure_counts(request, credentials)
        locked = set()
        if counts[ACCOUNT] >= settings.AXES_FAILURE_LIMIT:
            locked.add(ACCOUNT)
        if counts[ADDRESS] >= settings.LOGIN_IP_FAILURE_LIMIT:
            locked.add(ADDRESS)
        return locked

    def get_failures(self, request, credentials=None) -> int:
        """Failures on axes' scale: ``AXES_FAILURE_LIMIT`` when either counter is at its limit,
        else the account count (axes compares this with ``AXES_FAILURE_LIMIT`` to lock)."""
        if self.locks(request, credentials):
            return settings.AXES_FAILURE_LIMIT
        counts = self.failure_counts(request, credentials)
        return min(counts[ACCOUNT], settings.AXES_FAILURE_LIMIT - 1)


def current_locks(request, credentials=None) -> set:
    """The locks that apply to this login request (``set()`` when axes is off)."""
    if not settings.AXES_ENABLED:
        return set()
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    return handler.locks(request, credentials) if isinstance(handler, ThrottlingHandler) else set()


def _second_factor_device(user, token: str):
    """The user's confirmed device (TOTP or backup code) that accepts ``token``, or ``None``.
    Each device applies django-otp's throttling (growing delays after failures)."""
    token = (token or "").strip().replace(" ", "")
    if not token:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(token):
                return device
    return None


class ThrottledLoginBackend(AxesStandaloneBackend):
    """axes' standalone backend (first in ``AUTHENTICATION_BACKENDS``), which refuses a locked
    login, except one: when only the **account** counter is at its limit and the request carries
    the right password and a valid second-factor code (``otp_token``), the login proceeds and the
    session starts verified. Authentication itself stays with ``ModelBackend``."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        """Return ``None`` (let the next backend authenticate) or raise axes' permission denied."""
        if request is not None and settings.AXES_ENABLED:
            credentials = get_credentials(username=username, password=password, **kwargs)
            if current_locks(request, credentials) == {ACCOUNT}:
                token = request.POST.get("otp_token", "") if request.method == "POST" else ""
                user = ModelBackend().authenticate(request, username=username, password=password)
                device = _second_factor_device(user, token) if user is not None and token else None
                if device is not None:
                    setattr(request, VERIFIED_DEVICE_ATTR, device)
                    return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the lock page (HTTP 429), which says which lock applies and,
    for the account lock alone, offers the password + second-factor form."""
    locks = current_locks(request, credentials)
    cool_off = get_cool_off(request)
    context = {
        "account_locked": ACCOUNT in locks,
        "address_locked": ADDRESS in locks,
        "username": get_client_username(request, credentials) or "",
        "cool_off_minutes": int(cool_off.total_seconds() // 60) if cool_off else 0,
        "next": request.POST.get("next", "") if request.method == "POST" else "",
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
