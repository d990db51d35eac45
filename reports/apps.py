from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from celery.signals import worker_init

        from . import (
            checks,  # noqa: F401 — registers the system checks
            kinds,  # noqa: F401 — registers the document kinds of the PDF pipeline
        )

        worker_init.connect(checks.refuse_to_start_without_pdf_engine, dispatch_uid="reports.pdf_engine")
