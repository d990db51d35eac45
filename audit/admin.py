"""The audit app in the admin: access exports and read events, read-only (written by the
services and tasks only)."""

from django.contrib import admin

from cso_recruit.admin_tools import ReadOnlyAdminMixin

from .models import AccessExport, ReadEvent


@admin.register(AccessExport)
class AccessExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "candidate_id", "requested_by", "status", "complete", "created_at", "finished_at")
    list_filter = ("status", "complete")
    list_select_related = ("requested_by",)
    fields = (
        "candidate",
        "mandates",
        "complete",
        "requested_by",
        "language",
        "status",
        "error",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "size",
        "sha256",
    )


@admin.register(ReadEvent)
class ReadEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "kind", "label", "user", "ip")
    list_filter = ("kind",)
    list_select_related = ("user",)
    search_fields = ("label", "user__username")
    date_hierarchy = "at"
    fields = ("at", "kind", "object_id", "label", "candidate", "mandates", "user", "ip")
