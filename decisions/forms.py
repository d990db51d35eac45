"""Thin forms of the decision page; the rules are the services' (``decisions.services``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Choice
from .services import MAX_TEXT


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label=_("Your vote"), choices=Choice.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The facts your vote rests on. The other members read it once everyone has voted."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Final decision"), choices=Choice.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(
        label=_("Rationale"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    differs_reason = forms.CharField(
        label=_("Why the decision differs from the product’s reading"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required when you hire while the reading is unfavourable or incomplete, or do not hire "
            "while it is favourable."
        ),
    )


class SwotForm(forms.Form):
    opportunities = forms.CharField(
        label=_("Opportunities"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item a line."),
    )
    threats = forms.CharField(
        label=_("Threats"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item a line."),
    )
