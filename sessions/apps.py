from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkingSessionsConfig(AppConfig):
    """Working sessions. Label ``working_sessions``: Django's contrib app already owns ``sessions``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions"
    label = "working_sessions"
    verbose_name = _("Working sessions")
