"""Thin forms of the offer page; the rules live in ``offers.services``."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import APPROVERS_MAX, Offer


def _helper(button: str, name: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.add_input(Submit(name, button))
    return helper


class OfferTermsForm(forms.ModelForm):
    """The terms. Amounts accept the reader's decimal separator (``150000,50`` in French)."""

    class Meta:
        model = Offer
        fields = ["title", "start_date", "currency", "fixed_pay", "variable_pay", "trial_months", "notes"]
        widgets = {
            "start_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        localized_fields = ["fixed_pay", "variable_pay"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fixed_pay"].widget.attrs.update({"inputmode": "decimal"})
        self.fields["variable_pay"].widget.attrs.update({"inputmode": "decimal"})
        self.helper = _helper(_("Save the terms"), "save_terms")
        self.helper.layout = Layout(
            "title",
            Row(Column("start_date", css_class="col-sm-6"), Column("trial_months", css_class="col-sm-6")),
            Row(
                Column("currency", css_class="col-sm-4"),
                Column("fixed_pay", css_class="col-sm-4"),
                Column("variable_pay", css_class="col-sm-4"),
            ),
            "notes",
        )


class ApproverChoiceField(forms.ModelChoiceField):
    """A member of the mandate, by full name (user name when there is none)."""

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class ApproversForm(forms.Form):
    """The ordered approver list: one choice per position (blank positions are skipped)."""

    def __init__(self, *args, choices, initial_users=(), **kwargs):
        super().__init__(*args, **kwargs)
        users = list(initial_users)
        for position in range(1, APPROVERS_MAX + 1):
            self.fields[f"approver_{position}"] = ApproverChoiceField(
                queryset=choices,
                required=False,
                label=_("Approver %(n)d") % {"n": position},
                empty_label="—",
                initial=users[position - 1].pk if position <= len(users) else None,
            )
        self.helper = _helper(_("Save the approvers"), "save_approvers")

    def users(self) -> list:
        """The chosen users in order (blank positions skipped); valid form only."""
        return [
            self.cleaned_data[f"approver_{p}"]
            for p in range(1, APPROVERS_MAX + 1)
            if self.cleaned_data.get(f"approver_{p}")
        ]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("approved", _("Approve")), ("rejected", _("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject: say what must change."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record my decision"), "decide")


class ResponseForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("The candidate’s answer"),
        choices=[("accepted", _("Accepted")), ("declined", _("Declined"))],
        widget=forms.RadioSelect,
    )
    on_date = forms.DateField(
        label=_("Date of the answer"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record the answer"), "respond")


class WithdrawForm(forms.Form):
    comment = forms.CharField(label=_("Why is the offer withdrawn?"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Withdraw the offer"), "withdraw")
        self.helper.inputs[0].field_classes = "btn btn-outline-danger"
