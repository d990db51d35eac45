"""Read-only admin of the stored figures (they are written only by ``figures.services``)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from candidates.admin import MandateListFilter
from cso_recruit.admin_tools import ReadOnlyAdminMixin

from . import services
from .models import ApplicationFigures, MandateStatistics


@admin.register(ApplicationFigures)
class ApplicationFiguresAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "application",
        "fit",
        "gate_passed",
        "posture",
        "band",
        "red_count",
        "amber_count",
        "submitted_scorecards",
        "compatibility_verdict",
        "stale",
        "formulas_version",
        "computed_at",
    )
    list_filter = ("gate_passed", "band", "stale", ("application__mandate", MandateListFilter))
    list_select_related = ("application__candidate", "application__mandate")
    search_fields = ("application__candidate__last_name", "application__candidate__first_name")
    actions = ["recompute"]

    @admin.action(description=_("Recompute the selected figures"), permissions=["view"])
    def recompute(self, request, queryset):
        ids = services.figures_refresh(application_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(n)d rows recomputed.") % {"n": len(ids)}, messages.SUCCESS)


@admin.register(MandateStatistics)
class MandateStatisticsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "mandate",
        "alpha",
        "alpha_reading",
        "units",
        "inputs_version",
        "computed_version",
        "computed_at",
    )
    list_select_related = ("mandate__company",)
