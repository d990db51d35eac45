"""Forms of the start kit pages (thin: the rules are in ``onboarding.services``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sessions import ipa

from .models import PlanLine, StartKit

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class PlanLineForm(forms.ModelForm):
    class Meta:
        model = PlanLine
        fields = ["title", "owner", "current_state", "target", "due_on"]
        widgets = {
            "current_state": forms.Textarea(attrs={"rows": 2}),
            "target": forms.Textarea(attrs={"rows": 2}),
            "due_on": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.kind == PlanLine.Kind.INVENTORY:
            self.fields["title"].disabled = True


class PlanLineAddForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.CharField(label=_("Owner"), max_length=120, required=False)
    target = forms.CharField(label=_("Target"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label=_("Date"), required=False, widget=DATE)


class CharterForm(forms.Form):
    decision_rights = forms.CharField(label=_("Decision rights"), widget=forms.Textarea(attrs={"rows": 8}))
    disagreement = forms.CharField(
        label=_("How disagreement is handled"), widget=forms.Textarea(attrs={"rows": 8})
    )
    cadence = forms.CharField(label=_("Meeting cadence"), widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class StartDateForm(forms.Form):
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    source = forms.ChoiceField(
        label=_("From"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm", "id": "id_source"}),
        choices=[
            (StartKit.StartDateSource.MANUAL, StartKit.StartDateSource.MANUAL.label),
            (StartKit.StartDateSource.OFFER, StartKit.StartDateSource.OFFER.label),
        ],
    )


class CheckInForm(forms.Form):
    """One 1–5 choice per communication dimension (``sessions.ipa``), and a comment."""

    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(level), str(level)) for level in ipa.RATING_LEVELS]
        for dimension in ipa.DIMENSIONS:
            self.fields[f"rating_{dimension.code}"] = forms.ChoiceField(
                choices=choices, widget=forms.RadioSelect, label=dimension.code
            )

    def ratings(self) -> dict:
        return {d.code: int(self.cleaned_data[f"rating_{d.code}"]) for d in ipa.DIMENSIONS}
