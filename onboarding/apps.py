from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    """The "Support 5.0" start kit of a hired CSO: 90-day plan, CEO–CSO charter, check-ins.

    Sits above ``figures`` (it reads candidates, assessments, sessions and figures; none of them
    imports it): the kit is created by a receiver of ``cso_recruit.events.stage_moved`` when an
    application reaches "hired", and its check-ins are added to "À faire" through
    ``sessions.todo.todo_source_register``."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "onboarding"
    verbose_name = _("Start kits")

    def ready(self):
        from cso_recruit import events
        from sessions import todo

        from . import documents, selectors, services  # noqa: F401 — documents registers its PDF kind

        events.stage_moved.connect(services.on_stage_moved, dispatch_uid="onboarding.start_kit")
        todo.todo_source_register(selectors.todo_items)
