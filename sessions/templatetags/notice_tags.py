"""The assessment notice's panel on the application's sessions page."""

from django import template

from cso_recruit import access
from sessions import notices

register = template.Library()


@register.inclusion_tag("sessions/_notice_panel.html", takes_context=True)
def notice_panel(context, application):
    """Where the application's assessment notice stands (sent, acknowledged — when, how, which
    version), with the recruiters' actions. Two queries."""
    request = context["request"]
    status = notices.notice_status(application)
    return {
        "application": application,
        "status": status,
        "can_manage": access.can_manage_mandate(request.user, application.mandate),
        "csrf_token": context.get("csrf_token"),
    }
