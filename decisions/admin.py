"""Read-only admin of the decision meetings and votes: they are written only through
``decisions.services`` (the decision page), whose rules (panel, independence, the CEO's decision
against the reading) the admin must not bypass."""

from django.contrib import admin

from cso_recruit.admin_tools import ReadOnlyAdminMixin

from .models import DecisionMeeting, Vote


class VoteInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Vote
    extra = 0
    fields = ("voter", "choice", "rationale", "revision", "cast_at", "changed_at")


@admin.register(DecisionMeeting)
class DecisionMeetingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application", "opened_at", "decision", "reading_level", "differs", "decided_at")
    list_filter = ("decision", "differs", "reading_level")
    list_select_related = ("application__candidate", "application__mandate")
    search_fields = ("application__candidate__last_name", "application__candidate__first_name")
    inlines = [VoteInline]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("meeting", "voter", "choice", "revision", "changed_at")
    list_filter = ("choice",)
    list_select_related = ("meeting__application__candidate", "meeting__application__mandate", "voter")
