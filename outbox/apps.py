from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """The transactional outbox: e-mails and task requests written with the change that causes
    them, dispatched on commit, swept until delivered."""

    name = "outbox"
    verbose_name = _("Outbox")

    def ready(self):
        from . import checks  # noqa: F401 — registers the deployment check
