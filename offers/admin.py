"""Read-only admin of the offers: every write goes through ``offers.services``."""

from django.contrib import admin

from cso_recruit.admin_tools import ReadOnlyAdminMixin

from .models import Offer, OfferApproval, OfferApprover, OfferEvent


class OfferApproverInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OfferApprover
    extra = 0


class OfferApprovalInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OfferApproval
    extra = 0


class OfferEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OfferEvent
    extra = 0


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application", "title", "status", "round", "fixed_pay", "currency", "updated_at")
    list_filter = ("status", "currency")
    search_fields = ("application__candidate__last_name", "application__candidate__first_name", "title")
    list_select_related = ("application__candidate", "application__mandate")
    inlines = [OfferApproverInline, OfferApprovalInline, OfferEventInline]


@admin.register(OfferEvent)
class OfferEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("offer", "kind", "round", "order", "by", "at")
    list_filter = ("kind",)
    list_select_related = ("offer__application__candidate", "offer__application__mandate", "by")
