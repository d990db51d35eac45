from django.contrib import admin

from cso_recruit.admin_tools import ReadOnlyAdminMixin

from .models import OutboundEmail, TaskRequest


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject", "key"]
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)  # erasure may remove copies


@admin.register(TaskRequest)
class TaskRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "task", "status", "attempts", "dispatched_at"]
    list_filter = ["status", "task"]
