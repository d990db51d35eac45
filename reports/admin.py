"""Reports in the admin: read-only (a report is written only by ``reports.services``)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Report, Shortlist


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "version",
        "status",
        "requested_by",
        "requested_at",
        "finished_at",
        "page_count",
        "attempts",
    )
    list_filter = ("status",)
    list_select_related = ("application__candidate", "application__mandate", "requested_by")
    search_fields = ("application__candidate__last_name", "application__candidate__first_name", "sha256")
    date_hierarchy = "requested_at"
    exclude = ("snapshot",)
    readonly_fields = (
        "application",
        "version",
        "status",
        "language",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "pdf_name",
        "sha256",
        "size",
        "page_count",
        "error",
        "attempts",
    )

    @admin.display(description=_("stored file"))
    def pdf_name(self, obj):
        return obj.pdf.name or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Shortlist)
class ShortlistAdmin(admin.ModelAdmin):
    """Read-only, like the reports: a shortlist is written only by ``reports.services``."""

    list_display = (
        "__str__",
        "version",
        "status",
        "requested_by",
        "requested_at",
        "finished_at",
        "page_count",
    )
    list_filter = ("status",)
    list_select_related = ("mandate", "requested_by")
    search_fields = ("mandate__title", "mandate__slug", "sha256")
    date_hierarchy = "requested_at"
    exclude = ("snapshot", "finalists")
    readonly_fields = (
        "mandate",
        "finalist_names",
        "version",
        "status",
        "language",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "pdf_name",
        "sha256",
        "size",
        "page_count",
        "error",
        "attempts",
    )

    @admin.display(description=_("finalists"))
    def finalist_names(self, obj):
        return ", ".join(a.candidate.full_name for a in obj.finalists.select_related("candidate")) or "—"

    @admin.display(description=_("stored file"))
    def pdf_name(self, obj):
        return obj.pdf.name or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
