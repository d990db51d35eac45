"""Tells the user when their action is saved but its e-mails or background work wait for the
broker (see ``outbox.services.publish``)."""

from django.contrib import messages
from django.utils.translation import gettext as _

from . import services


class OutboxNoticeMiddleware:
    """Collects, per request, what could not be sent to the broker and, if anything, adds one
    warning message (shown on the page the user lands on). Place it after
    ``MessageMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = services._deferred.set([])
        try:
            response = self.get_response(request)
            if services.deferred_in_request() and hasattr(request, "_messages"):
                messages.warning(
                    request,
                    _(
                        "Saved. The background service is not reachable right now: the e-mails and the work this "
                        "causes will proceed on their own as soon as it is back."
                    ),
                )
        finally:
            services._deferred.reset(token)
        return response
