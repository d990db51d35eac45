"""Django admin of the start kits: read-only (every write goes through ``onboarding.services``,
from the kit page or the CSO's link), so the sign-offs' fingerprints and the check-ins stay what
their authors gave."""

from django.contrib import admin

from .models import Charter, CharterSignOff, CheckIn, CheckInReminder, PlanLine, StartKit, StartKitDocument


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PlanLineInline(ReadOnlyInline):
    model = PlanLine
    fields = ["kind", "source", "reference", "title", "owner", "due_on"]


class CheckInInline(ReadOnlyInline):
    model = CheckIn
    fields = ["milestone", "party", "ratings", "submitted_at"]


@admin.register(StartKit)
class StartKitAdmin(ReadOnlyAdmin):
    list_display = ["application", "start_date", "start_date_source", "shared_at", "created_at"]
    list_select_related = ["application__candidate", "application__mandate"]
    list_filter = ["start_date_source"]
    search_fields = ["application__candidate__last_name", "application__mandate__title"]
    exclude = ["nonce"]
    inlines = [PlanLineInline, CheckInInline]


class SignOffInline(ReadOnlyInline):
    model = CharterSignOff
    fields = ["party", "version", "signer_name", "signed_at", "text_sha256", "voided_at"]


@admin.register(Charter)
class CharterAdmin(ReadOnlyAdmin):
    list_display = ["kit", "version", "amended_at", "amended_by"]
    list_select_related = ["kit__application__candidate", "kit__application__mandate"]
    inlines = [SignOffInline]


@admin.register(CharterSignOff)
class CharterSignOffAdmin(ReadOnlyAdmin):
    list_display = ["charter", "party", "version", "signer_name", "signed_at", "voided_at"]
    list_select_related = ["charter__kit__application__candidate", "charter__kit__application__mandate"]


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["kit", "milestone", "party", "submitted_at"]
    list_select_related = ["kit__application__candidate", "kit__application__mandate"]


@admin.register(CheckInReminder)
class CheckInReminderAdmin(ReadOnlyAdmin):
    list_display = ["kit", "milestone", "party", "sent_at"]
    list_select_related = ["kit__application__candidate", "kit__application__mandate"]


@admin.register(StartKitDocument)
class StartKitDocumentAdmin(ReadOnlyAdmin):
    """The kit's PDF versions, read-only: written only by ``onboarding.documents`` and the pipeline."""

    list_display = ["kit", "version", "status", "requested_by", "requested_at", "page_count"]
    list_filter = ["status"]
    list_select_related = ["kit__application__candidate", "kit__application__mandate", "requested_by"]
    exclude = ["snapshot"]
