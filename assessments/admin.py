from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from candidates.admin import MandateListFilter
from cso_recruit.events import FiguresInputsAdminMixin

from . import services
from .models import CompetencyFramework, Criterion, Rating, Scorecard


class CriterionInline(admin.StackedInline):
    model = Criterion
    extra = 0

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen


@admin.register(CompetencyFramework)
class CompetencyFrameworkAdmin(FiguresInputsAdminMixin, admin.ModelAdmin):
    list_display = ("name", "version", "is_active", "frozen", "created_at")
    list_filter = ("is_active", "name")
    search_fields = ("name", "notes")
    inlines = [CriterionInline]
    actions = ["new_version"]

    def get_queryset(self, request):
        # "frozen" per row from one annotation, not one query per row.
        return (
            super()
            .get_queryset(request)
            .annotate(in_use=Exists(Scorecard.objects.filter(framework=OuterRef("pk"))))
        )

    def figures_targets(self, obj):
        return {"all_applications": True}  # the catalogue (active criteria, weights) may have changed

    @admin.display(boolean=True, description=_("frozen"), ordering="in_use")
    def frozen(self, obj):
        return obj.in_use if hasattr(obj, "in_use") else obj.is_frozen

    def get_readonly_fields(self, request, obj=None):
        return ("name", "version") if obj and obj.is_frozen else ()

    @admin.action(description=_("Create a new editable version"))
    def new_version(self, request, queryset):
        for framework in queryset:
            new = services.framework_new_version(framework=framework)
            self.message_user(request, _("Created %(f)s.") % {"f": new}, messages.SUCCESS)


@admin.register(Criterion)
class CriterionAdmin(FiguresInputsAdminMixin, admin.ModelAdmin):
    list_display = ("code", "label_fr", "group", "weight", "framework")
    list_filter = ("group", "framework")
    list_select_related = ("framework",)
    search_fields = ("code", "label_fr", "label_en")

    def figures_targets(self, obj):
        return {"all_applications": True}

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.framework.is_frozen

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.framework.is_frozen


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0
    fields = ("criterion", "value", "evidence")
    readonly_fields = ("criterion", "value", "evidence")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Scorecard)
class ScorecardAdmin(FiguresInputsAdminMixin, admin.ModelAdmin):
    """Read-only: scorecards change only through the rater's form and revisions (a superuser may
    delete one; the figures are then recomputed)."""

    list_display = (
        "application",
        "rater",
        "context",
        "session_number",
        "status",
        "revision",
        "is_current",
        "submitted_at",
    )
    list_filter = ("status", "context", "is_current", ("application__mandate", MandateListFilter))
    list_select_related = ("application__candidate", "application__mandate", "rater")
    search_fields = ("application__candidate__last_name", "rater__username", "rater__last_name")
    inlines = [RatingInline]

    def figures_targets(self, obj):
        return {"application_ids": [obj.application_id], "ratings": True}

    def delete_model(self, request, obj):
        services.scorecard_delete(scorecard=obj)  # the service recomputes the figures

    def delete_queryset(self, request, queryset):
        for scorecard in queryset.order_by("-revision"):  # a later revision before the one it supersedes
            services.scorecard_delete(scorecard=scorecard)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
