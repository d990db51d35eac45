"""Project-level forms."""

from django import forms
from django.conf import settings
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
