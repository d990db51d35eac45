from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FiguresConfig(AppConfig):
    """The composition layer: assessment + balance + compatibility figures, stored on write."""

    name = "figures"
    verbose_name = _("Figures")

    def ready(self):
        from cso_recruit import events

        from . import services

        events.inputs_changed.connect(services.on_inputs_changed, dispatch_uid="figures.refresh")
