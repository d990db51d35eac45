"""Deployment checks of what the e-mails say: the links they carry are built on ``SITE_URL``."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@checks.register("outbox", deploy=True)
def check_site_url(app_configs=None, **kwargs):
    """``outbox.W001`` (``check --deploy``): ``SITE_URL`` is not an https address of a real host, so
    the links in e-mails (the candidate's debrief link) would not reach anyone."""
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme == "https" and parts.hostname and parts.hostname not in LOOPBACK:
        return []
    return [
        checks.Warning(
            f"SITE_URL is {settings.SITE_URL!r}: the links in e-mails (the candidate's debrief link) are built on it.",
            hint="Set SITE_URL to the site's public https address, e.g. https://recrutement.example.org.",
            id="outbox.W001",
        )
    ]
