from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Sign-in: login throttling, the second factor (TOTP), password change and reset, session
    lifetime (see the README's "Sign-in and second factor")."""

    name = "accounts"
    verbose_name = _("Sign-in")

    def ready(self):
        from . import signals  # noqa: F401 — connects the login receivers
