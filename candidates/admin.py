from django import forms
from django.contrib import admin

from cso_recruit.admin_tools import HistoryAdmin, ReadOnlyAdminMixin
from cso_recruit.events import FiguresInputsAdminMixin

from . import selectors, services
from .models import (
    Application,
    Candidate,
    Company,
    ExportJob,
    ImportJob,
    Mandate,
    StageTransition,
    UserProfile,
)


class MandateListFilter(admin.RelatedFieldListFilter):
    """The mandate filter of a changelist in one query: a mandate's name shows its company, which
    Django's default filter would fetch once per mandate."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin) or ("-created_at", "title")
        return [(m.pk, str(m)) for m in Mandate.objects.select_related("company").order_by(*ordering)]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "sector", "city", "created_at")
    search_fields = ("name", "sector", "city")


@admin.register(Mandate)
class MandateAdmin(FiguresInputsAdminMixin, HistoryAdmin):
    list_display = ("title", "company", "ceo", "status", "created_at")
    list_filter = ("status", "company")
    list_select_related = ("company", "ceo")
    search_fields = ("title", "slug", "company__name", "ceo__username", "ceo__last_name")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("recruiters", "mediators")
    autocomplete_fields = ("company",)

    def figures_targets(self, obj):
        return {"mandate_ids": [obj.pk]}  # support domains and floors feed the balance profile


class StageTransitionInline(admin.TabularInline):
    model = StageTransition
    extra = 0
    readonly_fields = ("from_stage", "to_stage", "by", "at", "reason")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CandidateAdminForm(forms.ModelForm):
    """The admin's candidate form: staff see every candidate, so an address any other candidate
    uses is refused (``selectors.email_holder`` with the staff scope), as on the site's form."""

    class Meta:
        model = Candidate
        fields = "__all__"  # noqa: DJ007 — the admin lists every field, as without this form

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if selectors.email_holder(email, None, exclude_pk=self.instance.pk) is not None:
            raise forms.ValidationError(services.email_taken_message())
        return email


@admin.register(Candidate)
class CandidateAdmin(FiguresInputsAdminMixin, HistoryAdmin):
    form = CandidateAdminForm
    list_display = ("last_name", "first_name", "email", "city", "gdpr_consent", "created_at")
    list_filter = ("gdpr_consent", "source")
    search_fields = ("last_name", "first_name", "email", "city")

    def lock_before_save(self, obj):
        if obj.pk:  # applications first, then the candidate (the order of every other write)
            list(
                Application.objects.select_for_update()
                .filter(candidate_id=obj.pk)
                .order_by("pk")
                .values_list("pk")
            )

    def figures_targets(self, obj):
        return {
            "candidate_ids": [obj.pk] if obj.pk else [],
            "statistics_mandate_ids": list(obj.applications.values_list("mandate_id", flat=True))
            if obj.pk
            else [],
        }


@admin.register(Application)
class ApplicationAdmin(FiguresInputsAdminMixin, admin.ModelAdmin):
    list_display = ("candidate", "mandate", "stage", "stage_entered_at", "rejection_reason")
    list_filter = ("stage", ("mandate", MandateListFilter), "rejection_reason")
    list_select_related = ("candidate", "mandate", "mandate__company")
    search_fields = ("candidate__last_name", "candidate__first_name", "candidate__email", "mandate__title")
    inlines = [StageTransitionInline]
    raw_id_fields = ("candidate",)

    def figures_targets(self, obj):
        return {"application_ids": [obj.pk] if obj.pk else [], "statistics_mandate_ids": [obj.mandate_id]}


@admin.register(StageTransition)
class StageTransitionAdmin(admin.ModelAdmin):
    list_display = ("application", "from_stage", "to_stage", "by", "at")
    list_filter = ("to_stage", "from_stage")
    list_select_related = ("application__candidate", "application__mandate", "by")
    search_fields = ("application__candidate__last_name", "reason")
    date_hierarchy = "at"


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "language")
    list_filter = ("language",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__last_name")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """CSV imports, written by ``services`` and the import task only: read here."""

    list_display = (
        "original_name",
        "mandate",
        "mode",
        "status",
        "rows_done",
        "rows_total",
        "requested_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "mode")
    list_select_related = ("mandate__company", "requested_by")
    search_fields = ("original_name", "mandate__title", "requested_by__username")


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """CSV exports, written by ``services`` and the export task only: read here (the file itself
    is its requester's, downloaded from the export's page)."""

    list_display = ("mandate", "status", "rows_total", "requested_by", "created_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("mandate__company", "requested_by")
    search_fields = ("mandate__title", "requested_by__username")
    exclude = ("file",)
