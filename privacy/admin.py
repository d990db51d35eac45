"""The privacy app in the admin: erasures and retention warnings (read-only), and the delete of a
candidate or a mandate made to work.

The candidate and mandate admins of ``candidates.admin`` are registered again here (this app comes
after ``candidates`` in ``INSTALLED_APPS``) with their delete — the button and the "delete
selected" action — going through ``privacy.services``: a candidate's "delete" erases them
everywhere (``candidate_erase``: the rows stay as anonymous shells, see its docstring), a mandate's
deletes it with its files (``mandate_delete``). Django's own check would refuse both with 403 as
soon as a working session or a report exists (those admins are read-only, which stays true: they
are never written around the services); here the user needs the delete permission of the
candidate (or mandate) and, for a candidate, ``privacy.erase_candidate`` (a superuser has both).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from candidates.admin import CandidateAdmin, MandateAdmin
from candidates.models import Candidate, Mandate
from cso_recruit.admin_tools import ReadOnlyAdminMixin

from . import services
from .models import Erasure, RetentionWarning

ERASE_PERMISSION = "privacy.erase_candidate"


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("candidate_number", "kind", "rule", "actor", "at")
    list_filter = ("kind", "rule")
    list_select_related = ("actor",)
    fields = ("candidate_number", "candidate", "kind", "rule", "actor", "reason", "at", "counts")


@admin.register(RetentionWarning)
class RetentionWarningAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("candidate_id", "due_date", "rule", "recipients", "sent_at")
    list_filter = ("rule",)
    fields = ("candidate", "due_date", "rule", "recipients", "sent_at")


class ServiceDeleteMixin:
    """``get_deleted_objects`` without the per-model permission check of the cascade (the service
    does the work); the permission this app requires instead is ``extra_permission``."""

    extra_permission = ""

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed = set()
        if self.extra_permission and not request.user.has_perm(self.extra_permission):
            perms_needed = {str(_("erasure of a candidate"))}
        return to_delete, model_count, perms_needed, []


admin.site.unregister(Candidate)
admin.site.unregister(Mandate)


@admin.register(Candidate)
class PrivacyCandidateAdmin(ServiceDeleteMixin, CandidateAdmin):
    """The candidate admin whose delete erases (``privacy.services.candidate_erase``)."""

    extra_permission = ERASE_PERMISSION

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("erasure")

    def delete_model(self, request, obj):
        services.candidate_erase(obj, request.user, "Django admin")
        self.message_user(
            request, _("The candidate was erased: anonymised everywhere, files deleted."), messages.INFO
        )

    def response_delete(self, request, obj_display, obj_id):
        # Django's message would name the person just erased: the id only.
        return super().response_delete(request, f"#{obj_id}", obj_id)

    def delete_queryset(self, request, queryset):
        for candidate in queryset.order_by("pk"):
            services.candidate_erase(candidate, request.user, "Django admin")


@admin.register(Mandate)
class PrivacyMandateAdmin(ServiceDeleteMixin, MandateAdmin):
    """The mandate admin whose delete removes the mandate's files too (``mandate_delete``)."""

    def delete_model(self, request, obj):
        services.mandate_delete(obj, request.user)

    def delete_queryset(self, request, queryset):
        for mandate in queryset.order_by("pk"):
            services.mandate_delete(mandate, request.user)
