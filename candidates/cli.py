"""Helpers shared by the management commands."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from cso_recruit import access

from .models import Application


def application_as(application_id: int, username: str | None):
    """``(application, user)`` for a command's ``APPLICATION_ID [--as USERNAME]``.

    Without ``username`` the lookup is unrestricted (``user`` is None: an operator's command);
    with it, the user's access rules apply, exactly as on the pages. Raises ``CommandError``
    for an unknown user or an application that does not exist or is out of that user's scope.
    """
    user = None
    queryset = Application.objects.all()
    if username:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user “%(name)s”.") % {"name": username})
        queryset = access.applications_visible_to(user)
    application = queryset.select_related("candidate", "mandate").filter(pk=application_id).first()
    if application is None:
        raise CommandError(_("No application %(id)s.") % {"id": application_id})
    return application, user
