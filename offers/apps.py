from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    """The offer of an application and its ordered approvals (issue 11). Sits above ``figures``:
    it may import candidates, assessments, sessions and figures; none of them imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "offers"
    verbose_name = _("Offers and approvals")

    def ready(self):
        from cso_recruit import events
        from sessions import todo

        from . import receivers, selectors

        events.stage_move_checked.connect(receivers.hired_needs_accepted_offer, dispatch_uid="offers.gate")
        events.stage_moved.connect(receivers.withdraw_on_leaving_offer, dispatch_uid="offers.withdraw")
        todo.todo_source_register(selectors.approvals_owed_todo)
