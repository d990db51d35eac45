"""Scorecard forms: one rating (1–5 or NE) and one evidence note per criterion, anchors beside."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Scorecard

NE = "NE"
VALUE_CHOICES = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5"), (NE, _("NE (no evidence)"))]


class ScorecardForm(forms.Form):
    """Built from the scorecard's ratings: fields ``value_<criterion id>`` and ``evidence_<id>``.

    The template renders it criterion by criterion with the BARS anchors, so no crispy layout
    here; ``criterion_rows`` gives (criterion, value field, evidence field) for that.
    """

    recommendation = forms.ChoiceField(
        label=_("Overall recommendation"),
        choices=Scorecard.Recommendation.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )

    def __init__(self, *args, scorecard, **kwargs):
        super().__init__(*args, **kwargs)
        self.scorecard = scorecard
        self.ratings = list(scorecard.ratings.all())
        for rating in self.ratings:
            cid = rating.criterion_id
            self.fields[f"value_{cid}"] = forms.ChoiceField(
                label=rating.criterion.label,
                choices=VALUE_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                initial=str(rating.value) if rating.value is not None else NE,
            )
            self.fields[f"evidence_{cid}"] = forms.CharField(
                label=_("Evidence observed"),
                required=False,
                initial=rating.evidence,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["recommendation"].initial = scorecard.recommendation
        self.fields["summary"].initial = scorecard.summary
        if scorecard.is_submitted:
            for field in self.fields.values():
                field.disabled = True

    def criterion_rows(self):
        """``[(criterion, bound value field, bound evidence field)]`` in framework order."""
        return [
            (r.criterion, self[f"value_{r.criterion_id}"], self[f"evidence_{r.criterion_id}"])
            for r in self.ratings
        ]

    def split_rows(self, targeted_codes) -> tuple[list, list]:
        """:meth:`criterion_rows` split in two, each in framework order: the rows whose criterion
        code is in ``targeted_codes`` (a session plan's targets), then the others."""
        rows = self.criterion_rows()
        return (
            [row for row in rows if row[0].code in targeted_codes],
            [row for row in rows if row[0].code not in targeted_codes],
        )

    def ratings_data(self):
        """``{criterion id: (value or None, evidence)}`` for ``services.scorecard_save``."""
        data = {}
        for rating in self.ratings:
            raw = self.cleaned_data[f"value_{rating.criterion_id}"]
            data[rating.criterion_id] = (
                None if raw == NE else int(raw),
                self.cleaned_data[f"evidence_{rating.criterion_id}"],
            )
        return data


class ScorecardStartForm(forms.Form):
    context = forms.ChoiceField(label=_("Context"), choices=Scorecard.Context.choices)
    session_number = forms.IntegerField(
        label=_("Working session number"), required=False, min_value=1, max_value=4
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("context") == Scorecard.Context.WORKING_SESSION and not cleaned.get("session_number"):
            self.add_error("session_number", _("Give the working session number (1 to 4)."))
        return cleaned
