"""Project-level forms."""

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from . import zones


class ProfileForm(forms.Form):
    """The signed-in user's preferences: interface language and the zone their e-mails use."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=lambda: zones.zone_choices(blank_label=_("Same as each session's")),
        help_text=_("The times in your e-mails (invitations, reminders) are given in this zone."),
    )


def check_username_length(form) -> None:
    """Give ``form``'s ``username`` field (an ``AuthenticationForm``'s) the validator its
    ``max_length`` implies (the user model's, 150), which Django sets without enforcing."""
    field = form.fields["username"]
    field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(AuthenticationForm):
    """Django's login form with the user name's length really checked: Django sets the field's
    ``max_length`` (150, the user model's) after creating it, so no validator enforces it, and a
    longer name went on to ``authenticate`` — whose failure signal made django-axes store it in a
    255-character column (a 500 on PostgreSQL). A name longer than any account's is now a plain
    form error ("at most 150 characters"), and no login attempt is made or recorded."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        check_username_length(self)


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form (``/admin/login/``) with the same length check as :class:`LoginForm`
    (installed as ``admin.site.login_form`` in ``cso_recruit/urls.py``)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        check_username_length(self)


def add_service_errors(form, exc, *, renamed: dict[str, str] | None = None) -> None:
    """Put a service's ``django.core.exceptions.ValidationError`` on ``form``, so that the page shows
    what is wrong beside what was typed.

    A field-keyed error goes to the field of that name (after ``renamed``, e.g. ``{"reason":
    "status_reason"}`` when the form names the service's argument otherwise), or to the form's
    non-field errors when the form has no such field; an error without keys goes to the non-field
    errors, one entry per message. The one helper every view and admin form uses.
    """
    renamed = renamed or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, errors in exc.error_dict.items():
        name = renamed.get(key, key)
        form.add_error(name if name in form.fields else None, errors)


class RevisionForm(forms.Form):
    """The reason for revising a submitted record (``cso_recruit.revisions.revise``): a scorecard
    or an observation. ``required_message`` is the record's own wording when none is given."""

    reason = forms.CharField(
        label=_("Reason for the revision"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("Required: what the discussion or new evidence changed."),
    )

    def __init__(self, *args, required_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        if required_message:
            self.fields["reason"].error_messages["required"] = required_message
