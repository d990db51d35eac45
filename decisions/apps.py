from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    """The decision meeting after the figures: independent votes of the panel, the CEO's final
    decision against the product's reading, and the stage gate that needs it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "decisions"
    verbose_name = _("Decisions")

    def ready(self):
        from cso_recruit import events
        from sessions import todo

        from . import selectors, services

        events.stage_move_checked.connect(services.check_stage_move, dispatch_uid="decisions.stage_gate")
        todo.todo_source_register(selectors.votes_owed_todo)
