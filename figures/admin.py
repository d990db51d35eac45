"""Read-only admin of the stored figures (they are written only by ``figures.services``)."""

from django.contrib import admin, messages
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext_lazy as _

from candidates.admin import MandateListFilter
from cso_recruit.admin_tools import ReadOnlyAdminMixin

from . import services
from .models import ApplicationFigures, MandateStatistics


class DerivedRowsAdminMixin(ReadOnlyAdminMixin):
    """Computed rows: never added or changed by hand, but they go with what they derive from, so
    deleting a candidate, an application or a mandate (which cascades to them) stays possible; a row
    deleted alone is recomputed when it is next read."""

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(ApplicationFigures)
class ApplicationFiguresAdmin(DerivedRowsAdminMixin, admin.ModelAdmin):
    list_display = (
        "application",
        "fit_shown",
        "gate_passed",
        "posture_shown",
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

    @admin.display(description=_("overall fit"), ordering="fit")
    def fit_shown(self, obj):
        return floatformat(obj.fit, 2) if obj.fit is not None else "—"

    @admin.display(description=_("posture and mindset"), ordering="posture")
    def posture_shown(self, obj):
        return floatformat(obj.posture, 2) if obj.posture is not None else "—"

    @admin.action(description=_("Recompute the selected figures"), permissions=["view"])
    def recompute(self, request, queryset):
        ids = services.figures_refresh(application_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(n)d rows recomputed.") % {"n": len(ids)}, messages.SUCCESS)


@admin.register(MandateStatistics)
class MandateStatisticsAdmin(DerivedRowsAdminMixin, admin.ModelAdmin):
    list_display = (
        "mandate",
        "alpha_shown",
        "alpha_reading",
        "units",
        "inputs_version",
        "computed_version",
        "computed_at",
    )
    list_select_related = ("mandate__company",)

    @admin.display(description=_("Krippendorff's alpha (interval)"), ordering="alpha")
    def alpha_shown(self, obj):
        return floatformat(obj.alpha, 3) if obj.alpha is not None else "—"
