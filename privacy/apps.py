from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Candidates' rights: retention (CNIL recruitment guidance, 2023) and erasure (GDPR art. 17)."""

    name = "privacy"
    verbose_name = _("Privacy")
