"""Session lifetime and the second-factor gate.

``SessionLifetimeMiddleware`` signs a user out after ``SESSION_IDLE_TIMEOUT`` seconds without a
request (default 8 h) and ``SESSION_COOKIE_AGE`` seconds after the login whatever the activity
(default 24 h): Django's own expiry slides with every write to the session, so the absolute
lifetime is kept here from the login's time.

``SecondFactorMiddleware`` sends a signed-in user who has not shown their second factor in this
session to the verification page (enrolled) or to the enrolment page (staff and CEOs not yet
enrolled) before any other page, the admin included. Reachable without it: login, logout, the
language switch, the second-factor pages themselves, password reset, static files, ``/health/``
and the candidate's signed pages (debrief link, calendar feed), which need no sign-in.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import DatabaseError
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from .policy import must_show_second_factor

STARTED_KEY = "cso_auth_started"
LAST_ACTIVITY_KEY = "cso_last_activity"
#: The idle stamp is rewritten at most this often (seconds), not at every request.
ACTIVITY_RESOLUTION = 60


class SessionLifetimeMiddleware:
    """Idle timeout and absolute lifetime of signed-in sessions (after ``MessageMiddleware``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        try:
            if user is not None and user.is_authenticated:
                self._check(request)
        except DatabaseError:
            pass  # the session cannot be read (database down): the view reports the outage
        return self.get_response(request)

    @staticmethod
    def _check(request):
        session = request.session
        now = int(time.time())
        started = session.get(STARTED_KEY)
        last = session.get(LAST_ACTIVITY_KEY)
        if started is None:  # a session opened before this rule: its clocks start now
            session[STARTED_KEY] = started = now
        idle = last is not None and now - last > settings.SESSION_IDLE_TIMEOUT
        expired = now - started > settings.SESSION_COOKIE_AGE
        if idle or expired:
            logout(request)
            if idle:
                messages.info(request, _("You were signed out after a period of inactivity."))
            else:
                messages.info(request, _("Your session has ended: please sign in again."))
            return
        if last is None or now - last >= ACTIVITY_RESOLUTION:
            session[LAST_ACTIVITY_KEY] = now


#: URL names (``namespace:name``) reachable before the second factor.
EXEMPT_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "health",
        "favicon",
        "accounts:two_factor_verify",
        "accounts:two_factor_enrol",
        "accounts:password_reset",
        "accounts:password_reset_done",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
        "working_sessions:candidate_debrief",
        "working_sessions:calendar_feed",
        "onboarding:cso_kit",
    }
)


def _exempt(request) -> bool:
    path = request.path_info
    static = "/" + settings.STATIC_URL.lstrip("/")
    if path.startswith(static):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False  # a 404 for the verified only: an unverified user is sent to verify first
    return match.view_name in EXEMPT_URL_NAMES


class SecondFactorMiddleware:
    """The second-factor gate (after ``django_otp.middleware.OTPMiddleware``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _exempt(request):  # decided before touching the session (/health/ during an outage)
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            step = must_show_second_factor(user)
            if step:
                target = reverse(
                    "accounts:two_factor_verify" if step == "verify" else "accounts:two_factor_enrol"
                )
                return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
