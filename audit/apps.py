from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Candidates' right of access (GDPR art. 15 and 20: the access export) and the journal of
    reads of personal data (CV, report PDF, CSV export and access export downloads)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = _("Access and audit")
