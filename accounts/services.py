"""Writes of the sign-in pages: the password-reset request."""

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from outbox.models import TaskRequest
from outbox.services import task_request

from .forms import OutboxPasswordResetForm

#: The Celery task that looks the address up and queues the e-mail (``accounts.tasks``).
RESET_TASK = "accounts.tasks.send_password_reset"


def _client_key(client: str) -> str:
    """A keyed hash of the client's address (HMAC-SHA-256 with ``SECRET_KEY``): enough to count a
    client's requests, without keeping the address itself."""
    return hmac.new(settings.SECRET_KEY.encode(), client.encode(), hashlib.sha256).hexdigest()[:32]


@transaction.atomic
def password_reset_request(*, email: str, language: str, client: str = "") -> None:
    """Ask for the reset e-mail of the accounts using ``email`` (any case), in the background.

    The request does the same work whatever the address: one task request written and sent on
    commit (``outbox.services.task_request``); the accounts are looked up and the e-mail queued by
    :func:`password_reset_send` in the worker. So neither the answer nor its time says whether an
    address is known — not even with the broker down, when every request waits the same for it
    (OWASP Authentication Cheat Sheet, "Authentication and error messages": respond in the same
    time for existing and non-existing accounts). ``language``: the page's, for accounts without a
    language of their own. ``client``: the requester's address (``cso_recruit.clientip``): at most
    ``PASSWORD_RESET_MAX_PER_CLIENT_PER_HOUR`` requests an hour from one client are queued (beyond,
    nothing is, and the page says the same); only a keyed hash of it is kept, with the request."""
    key = _client_key(client) if client else ""
    if key:
        since = timezone.now() - timedelta(hours=1)
        recent = TaskRequest.objects.filter(
            task=RESET_TASK, kwargs__client=key, created_at__gte=since
        ).count()
        if recent >= settings.PASSWORD_RESET_MAX_PER_CLIENT_PER_HOUR:
            return
    task_request(RESET_TASK, email=email, language=language, client=key)


def password_reset_send(*, email: str, language: str) -> int:
    """Queue, through the outbox, the reset e-mail of every active account with a usable password
    that uses ``email`` (Django's ``PasswordResetForm.get_users``), with the link on ``SITE_URL``
    and at most ``PASSWORD_RESET_MAX_PER_HOUR`` an hour per account
    (``accounts.forms.OutboxPasswordResetForm``). Returns the number of accounts found (0 for an
    unknown or invalid address: nothing is sent)."""
    form = OutboxPasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    site = urlsplit(settings.SITE_URL)
    found = len(list(form.get_users(form.cleaned_data["email"])))
    with translation.override(language or settings.LANGUAGE_CODE):
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        )
    return found
