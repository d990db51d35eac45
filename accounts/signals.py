"""Login receivers: start the session's clocks (``accounts.middleware.SessionLifetimeMiddleware``)
and record the second factor shown on the lock page (``accounts.throttle``)."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django_otp import login as otp_login

from .middleware import LAST_ACTIVITY_KEY, STARTED_KEY
from .throttle import VERIFIED_DEVICE_ATTR


@receiver(user_logged_in, dispatch_uid="accounts.session_clocks")
def start_session_clocks(sender, request, user, **kwargs):
    """A new login starts the absolute lifetime and the idle clock of its session."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[STARTED_KEY] = now
    request.session[LAST_ACTIVITY_KEY] = now
    device = getattr(request, VERIFIED_DEVICE_ATTR, None)
    if device is not None:
        otp_login(request, device)
