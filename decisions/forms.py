"""Thin forms of the decision page; the rules are the services' (``decisions.services``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Choice
from .services import MAX_TEXT


class _PageForm(forms.Form):
    """The page holds several forms with a "rationale" field: each form's ids carry its name."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class VoteForm(_PageForm):
    id_prefix = "vote"
    choice = forms.ChoiceField(label=_("Your vote"), choices=Choice.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The facts your vote rests on. The other members read it once everyone has voted."),
    )


class DecisionForm(_PageForm):
    id_prefix = "decision"
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


class SwotForm(_PageForm):
    id_prefix = "swot"
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
