"""Admin helpers shared by the apps."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyAdminMixin:
    """For rows written by the services and the tasks only: the admin views and searches them."""

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _checked(field, value):
    """``value`` as ``field`` stores it; an id the field cannot hold (``abc`` for a number) is a 404."""
    try:
        return field.to_python(unquote(value))
    except (ValidationError, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin with its two history pages answering 404 to an id that cannot
    be the model's (``/admin/…/abc/history/``, ``…/1/history/abc/``): simple-history passes the
    address's text straight to the query, and a non-numeric id was a 500 (``ValueError``)."""

    def history_view(self, request, object_id, extra_context=None):
        """The object's history list, once its id is checked (:func:`_checked`)."""
        _checked(self.model._meta.pk, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One historical version, once the object's and the version's ids are checked."""
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        _checked(self.model._meta.pk, object_id)
        _checked(history_model._meta.get_field("history_id"), version_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)
