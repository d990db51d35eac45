"""Working sessions in the Django admin.

Every write goes through ``sessions.services``, as from the screens and the shell (issue 4: the
scheduling rules hold "whatever the entry point"):

- adding a session calls ``session_schedule``; changing its start, end, zone or place calls
  ``session_reschedule``; setting the status to cancelled calls ``session_cancel`` (the "reason"
  field is the cancellation reason); held / no-show calls ``session_set_status``. The form's
  ``clean()`` runs the services' check-only twins (``session_check_*``, the same rule functions),
  so a refusal is a normal form error; ``save_model`` then makes the real call. Should another
  request take the slot between the two, the service's refusal comes back as an error message on
  the same page (the transaction is rolled back), never as a server error.
- start and end are typed as wall-clock times in the session's own time zone (the "time zone"
  field), turned into aware datetimes by ``scheduling.localize`` (DST gaps and repeated hours get
  the same clear message as on the screens).
- a session is never deleted (cancel it: the history and the calendar CANCEL need the row), and
  its history is shown but never reverted (that would write around the services too).

Reminders, calendar feeds, observations (with their IPA tallies and critical incidents), debriefs
and debrief invitations are read-only here: they are written by the services and the tasks. The
feed token and the invitation nonce are secrets and are not shown.
"""

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext_lazy as _

from candidates.admin import MandateListFilter
from cso_recruit.admin_tools import HistoryAdmin, ReadOnlyAdminMixin
from cso_recruit.forms import add_service_errors

from . import scheduling, services
from .forms import TIMEZONE_CHOICES
from .models import (
    BriefingFile,
    CalendarFeed,
    CriticalIncident,
    Debrief,
    DebriefInvitation,
    IpaTally,
    Observation,
    SessionReminder,
    WorkingSession,
)

Status = WorkingSession.Status

#: Fields of the add form (the order number, calendar UID and SEQUENCE are the service's).
ADD_FIELDS = ("application", "mediator", "starts_at", "ends_at", "timezone", "location", "problem")
#: Fields of the change form; which are editable depends on the status (``get_readonly_fields``).
CHANGE_FIELDS = (
    "application",
    "order",
    "mediator",
    "problem",
    "local_slot",
    "starts_at",
    "ends_at",
    "timezone",
    "location",
    "status",
    "status_reason",
    "uid",
    "sequence",
    "created_by",
    "created_at",
    "updated_at",
)
#: Editable on a planned session: the slot (→ reschedule) or the status (→ cancel, held, no-show).
PLANNED_EDITABLE = ("starts_at", "ends_at", "timezone", "location", "status", "status_reason")
#: Editable on a held or no-show session: the status only (held ↔ no-show).
CLOSED_EDITABLE = ("status",)
SLOT_FIELDS = ("starts_at", "ends_at", "timezone", "location")


def _slot_text(session):
    zone = scheduling._zone(session.timezone)
    start, end = timezone.localtime(session.starts_at, zone), timezone.localtime(session.ends_at, zone)
    return (
        f"{date_format(start, 'SHORT_DATE_FORMAT')} {time_format(start, 'H:i')}–"
        f"{time_format(end, 'H:i')} ({session.timezone})"
    )


class WallClockDateTimeField(forms.SplitDateTimeField):
    """Date + time kept as the naive wall-clock value typed: the form localizes it in the session's
    zone (``SplitDateTimeField`` would read it in the active zone, with a vaguer DST message)."""

    def compress(self, data_list):
        if not data_list:
            return None
        if data_list[0] in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if data_list[1] in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return datetime.combine(*data_list)


class WorkingSessionAdminForm(forms.ModelForm):
    """Checks the scheduling rules in ``clean()`` through the services' check-only functions and
    records, in ``service_call``, which service ``save_model`` must call and with what."""

    starts_at = WallClockDateTimeField(
        label=_("start"),
        widget=AdminSplitDateTime,
        help_text=_("Wall-clock time in the session's time zone."),
    )
    ends_at = WallClockDateTimeField(
        label=_("end"), widget=AdminSplitDateTime, help_text=_("Wall-clock time in the session's time zone.")
    )
    timezone = forms.ChoiceField(
        label=_("time zone"), choices=TIMEZONE_CHOICES, initial=scheduling.DEFAULT_TIMEZONE
    )

    class Meta:
        model = WorkingSession
        fields = ADD_FIELDS + ("status", "status_reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_call = None
        session = self.instance
        if "timezone" in self.fields and session.timezone not in dict(TIMEZONE_CHOICES):
            self.fields["timezone"].choices = [*TIMEZONE_CHOICES, (session.timezone, session.timezone)]
        if session.pk:
            zone = scheduling._zone(session.timezone)
            for name in ("starts_at", "ends_at"):
                if name in self.fields:
                    self.initial[name] = timezone.localtime(getattr(session, name), zone).replace(tzinfo=None)

    def clean(self):
        cleaned = super().clean()
        tz_name = cleaned.get("timezone") or self.instance.timezone
        for name in ("starts_at", "ends_at"):
            if cleaned.get(name) is not None:
                try:
                    cleaned[name] = scheduling.localize(cleaned[name], tz_name)
                except ValidationError as exc:
                    self.add_error(name, exc)
        if not self.errors:
            try:
                self.service_call = (
                    self._add_call(cleaned) if self.instance.pk is None else self._change_call(cleaned)
                )
            except ValidationError as exc:
                add_service_errors(self, exc, renamed={"reason": "status_reason"})
        return cleaned

    def validate_unique(self):
        """Nothing here: the rules were checked in ``clean()`` with their own messages, and the
        service runs ``full_clean`` (constraints included) before it saves."""

    # ------------------------------------------------------------------ which service, checked

    def _add_call(self, cleaned):
        kwargs = {name: cleaned[name] for name in ("application", "starts_at", "ends_at", "mediator")}
        services.session_check_schedule(**kwargs, tz_name=cleaned["timezone"])
        return services.session_schedule, {
            **kwargs,
            "tz_name": cleaned["timezone"],
            "problem": cleaned["problem"],
            "location": cleaned["location"],
        }

    def _change_call(self, cleaned):
        session = self.instance  # still the saved values: the form copies its data onto it after clean()
        status = cleaned.get("status", session.status)
        reason = cleaned.get("status_reason", session.status_reason)
        slot = {name: cleaned.get(name, getattr(session, name)) for name in SLOT_FIELDS}
        slot_changed = (
            slot["starts_at"] != session.starts_at
            or slot["ends_at"] != session.ends_at
            or slot["timezone"] != session.timezone
            or (slot["location"] or "").strip() != session.location
        )
        if status != session.status and slot_changed:
            raise ValidationError(_("Change the time or the status, not both at once."), code="both")
        if slot_changed:
            services.session_check_reschedule(
                session=session,
                starts_at=slot["starts_at"],
                ends_at=slot["ends_at"],
                tz_name=slot["timezone"],
            )
            return services.session_reschedule, {
                "session": session,
                "starts_at": slot["starts_at"],
                "ends_at": slot["ends_at"],
                "tz_name": slot["timezone"],
                "location": slot["location"],
                "reason": reason,
            }
        if status == Status.CANCELLED and session.status != Status.CANCELLED:
            services.session_check_cancel(session=session, reason=reason)
            return services.session_cancel, {"session": session, "reason": reason}
        if status != session.status:
            services.session_check_status(session=session, status=status)
            return services.session_set_status, {"session": session, "status": status}
        if (reason or "").strip() != session.status_reason:
            raise ValidationError(
                {
                    "status_reason": _(
                        "The reason is recorded with a reschedule or a cancellation; change the time or the "
                        "status with it."
                    )
                }
            )
        return None


class _ServiceRefused(Exception):
    """A service refused at save time what ``clean()`` had accepted (a race): see ``changeform_view``."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


@admin.register(WorkingSession)
class WorkingSessionAdmin(HistoryAdmin):
    form = WorkingSessionAdminForm
    list_display = ("__str__", "order", "mandate", "local_slot", "mediator", "status", "sequence")
    list_filter = ("status", "timezone", ("application__mandate", MandateListFilter))
    list_select_related = ("application__candidate", "application__mandate__company", "mediator")
    search_fields = (
        "application__candidate__last_name",
        "application__candidate__first_name",
        "application__candidate__email",
        "application__mandate__title",
        "mediator__username",
        "mediator__last_name",
        "location",
        "problem",
    )
    raw_id_fields = ("application", "mediator")
    ordering = ("-starts_at",)
    date_hierarchy = "starts_at"

    @admin.display(description=_("mandate"), ordering="application__mandate__title")
    def mandate(self, obj):
        return obj.application.mandate

    @admin.display(description=_("slot (session's zone)"), ordering="starts_at")
    def local_slot(self, obj):
        return _slot_text(obj) if obj.pk else "—"

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The form copies the posted values onto ``obj`` before the page is re-rendered with
            # its errors: decide what is editable from the status as saved, not as posted.
            obj._saved_status = obj.status
        return obj

    @staticmethod
    def _saved_status(obj):
        return getattr(obj, "_saved_status", obj.status)

    def get_fields(self, request, obj=None):
        return ADD_FIELDS if obj is None else CHANGE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        editable = PLANNED_EDITABLE if self._saved_status(obj) == Status.PLANNED else CLOSED_EDITABLE
        return tuple(name for name in CHANGE_FIELDS if name not in editable)

    def has_change_permission(self, request, obj=None):
        # A cancelled session is final (the services refuse every change): view only.
        if obj is not None and self._saved_status(obj) == Status.CANCELLED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the history and the calendar CANCEL need the row

    def save_model(self, request, obj, form, change):
        if form.service_call is None:
            return  # nothing changed
        service, kwargs = form.service_call
        try:
            session = service(**kwargs, by=request.user)
        except ValidationError as exc:
            raise _ServiceRefused(exc) from exc
        obj.pk = session.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def revert_disabled(self, request, obj=None):
        return True  # reverting to a past version would write around the services

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied  # same: a past version is shown, never restored
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRefused as refused:  # the atomic block of the admin view rolled back
            self.message_user(request, " ".join(refused.error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# ---------------------------------------------------------------------------------- read-only


@admin.register(SessionReminder)
class SessionReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("session", "email", "sent_at")
    list_filter = ("sent_at",)
    list_select_related = ("session__application__candidate",)
    search_fields = (
        "email",
        "session__application__candidate__last_name",
        "session__application__candidate__first_name",
    )
    fields = ("session", "email", "sent_at")


@admin.register(BriefingFile)
class BriefingFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The briefing packs' files, read-only (they change through the session's plan page; the
    file itself is downloaded there, access-checked and journaled)."""

    list_display = ("original_name", "session", "size", "uploaded_by", "uploaded_at")
    list_filter = ("uploaded_at",)
    list_select_related = ("session__application__candidate", "uploaded_by")
    search_fields = (
        "original_name",
        "sha256",
        "session__application__candidate__last_name",
        "session__application__candidate__first_name",
    )
    fields = ("session", "original_name", "size", "sha256", "uploaded_by", "uploaded_at")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The token is the feed's secret address: never shown. The user resets it from their calendar page."""

    list_display = ("user", "created_at")
    list_filter = ("created_at",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email", "user__last_name")
    fields = ("user", "created_at")


class IpaTallyInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = IpaTally
    extra = 0
    fields = ("party", "category", "count")


class CriticalIncidentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CriticalIncident
    extra = 0
    fields = ("minute", "who", "tag", "behaviour", "interpretation")


@admin.register(Observation)
class ObservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "session",
        "revision",
        "is_current",
        "status",
        "verdict",
        "confidence",
        "mediator",
        "submitted_at",
    )
    list_filter = ("status", "verdict", "is_current")
    list_select_related = ("session__application__candidate", "mediator")
    search_fields = (
        "session__application__candidate__last_name",
        "session__application__candidate__first_name",
        "mediator__username",
        "mediator__last_name",
        "synthesis",
    )
    fields = (
        "session",
        "mediator",
        "status",
        "revision",
        "is_current",
        "supersedes",
        "revision_reason",
        "ratings",
        "verdict",
        "confidence",
        "synthesis",
        "created_at",
        "updated_at",
        "submitted_at",
    )
    inlines = [IpaTallyInline, CriticalIncidentInline]


@admin.register(Debrief)
class DebriefAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("session", "party", "submitted_at")
    list_filter = ("party",)
    list_select_related = ("session__application__candidate",)
    search_fields = (
        "session__application__candidate__last_name",
        "session__application__candidate__first_name",
        "comment",
    )
    fields = ("session", "party", "ratings", "comment", "submitted_at")


@admin.register(DebriefInvitation)
class DebriefInvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The nonce is half of the candidate's link: never shown."""

    list_display = ("session", "sent_at", "used_at")
    list_filter = ("used_at", "sent_at")
    list_select_related = ("session__application__candidate",)
    search_fields = (
        "session__application__candidate__last_name",
        "session__application__candidate__first_name",
        "session__application__candidate__email",
    )
    fields = ("session", "sent_at", "used_at")
