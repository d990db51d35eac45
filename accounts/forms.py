"""Forms of the sign-in pages."""

import uuid
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from outbox.models import OutboundEmail
from outbox.services import Message, email_enqueue

RESET_KEY_PREFIX = "password-reset"


class TokenForm(forms.Form):
    """One code: six digits from the authenticator app, or a backup code."""

    otp_token = forms.CharField(
        label=_("Code"),
        max_length=16,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("The six digits shown by your authenticator app, or one of your backup codes."),
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form whose e-mail goes through the outbox (a row written with the request,
    sent on commit, retried: ``outbox.services``), with the link built on ``SITE_URL``, and at most
    ``PASSWORD_RESET_MAX_PER_HOUR`` e-mails an hour to one account (beyond that nothing is sent and
    the page says the same as always)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Queue the reset e-mail for ``context["user"]`` (Django calls this once per account)."""
        user = context["user"]
        prefix = f"{RESET_KEY_PREFIX}:{user.pk}:"
        since = timezone.now() - timedelta(hours=1)
        recent = OutboundEmail.objects.filter(key__startswith=prefix, created_at__gte=since).count()
        if recent >= settings.PASSWORD_RESET_MAX_PER_HOUR:
            return
        language = getattr(getattr(user, "profile", None), "language", "") or translation.get_language()
        context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
        with translation.override(language):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
        email_enqueue([Message(key=f"{prefix}{uuid.uuid4().hex}", to=to_email, subject=subject, body=body)])
