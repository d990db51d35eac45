"""Forms for candidates, stage moves and the CSV import. Thin: rules live in ``services``."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from cso_recruit import zones

from . import selectors, services
from .models import (
    ALL_DOMAINS,
    MAX_CAREER_YEARS,
    MAX_DOMAIN_YEARS,
    Candidate,
    RejectionReason,
    Stage,
    years_field,
)

IDENTITY_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "city",
    "time_zone",
    "linkedin_url",
    "source",
    "gdpr_consent",
    "consent_date",
    "education",
]
YEARS_FIELDS = [years_field(code) for code in ALL_DOMAINS]


class CandidateForm(forms.ModelForm):
    """Create or edit a candidate: identity, consent, education, years per support domain, CV.

    ``user``: who fills it in. An address another candidate ``user`` can see already uses is
    refused (``selectors.email_holder``); one held only in mandates they cannot see is accepted as
    a new address, so the form tells nothing about other mandates.
    """

    # A plain FileInput: "clearing" is not offered, and a forged "-clear" checkbox would hand the
    # service ``False`` instead of a file.
    cv_upload = forms.FileField(
        label=_("CV (PDF or Word .docx, 5 MB at most)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx"}),
    )
    # http(s) only, like the CSV import: whatever the form saves must export and import back.
    linkedin_url = forms.URLField(
        label=Candidate._meta.get_field("linkedin_url").verbose_name,
        required=False,
        max_length=200,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=lambda: zones.zone_choices(blank_label=_("Same as each session's")),
        help_text=_("The times in the candidate's e-mails are given in this zone."),
    )

    class Meta:
        model = Candidate
        fields = IDENTITY_FIELDS + ["career_years"] + YEARS_FIELDS
        widgets = {
            "consent_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "career_years": forms.NumberInput(
                attrs={"step": "0.5", "min": "0", "max": str(MAX_CAREER_YEARS)}
            ),
            **{
                name: forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": str(MAX_DOMAIN_YEARS)})
                for name in YEARS_FIELDS
            },
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Identity"),
                Row(Column("first_name"), Column("last_name")),
                Row(Column("email"), Column("phone")),
                Row(Column("city"), Column("time_zone")),
                Row(Column("linkedin_url"), Column("source")),
                Row(Column("education")),
            ),
            Fieldset(_("Consent (GDPR)"), Row(Column("gdpr_consent"), Column("consent_date"))),
            Fieldset(
                _("Years of experience per support domain"),
                Row(Column("career_years", css_class="col-12 col-md-4")),
                Row(*[Column(name, css_class="col-6 col-md-4") for name in YEARS_FIELDS]),
            ),
            Fieldset(_("CV"), "cv_upload"),
        )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if self.instance.pk and email == (self.instance.email or "").lower():
            return email  # unchanged: another record may share it since, it is still this one's
        if selectors.email_holder(email, self.user, exclude_pk=self.instance.pk) is not None:
            raise forms.ValidationError(services.email_taken_message())
        return email

    def clean_cv_upload(self):
        upload = self.cleaned_data.get("cv_upload")
        if upload:
            services.validate_cv(upload)
        return upload

    def candidate_data(self):
        """Cleaned Candidate field values, for ``services.candidate_create/update``."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class StageMoveForm(forms.Form):
    """Move an application to another stage; rejecting needs a reason code and a written reason.

    The stage select offers ``services.allowed_targets`` and defaults to the next stage
    (``services.next_stage``), never to the backward step. ``from_stage`` (hidden) is the stage the
    page showed, so that the same form sent twice moves the application once. With JavaScript the
    rejection reason is shown only when "Rejected" is chosen (static/js/board.js).
    """

    from_stage = forms.CharField(required=False, widget=forms.HiddenInput)
    to_stage = forms.ChoiceField(
        label=_("New stage"),
        error_messages={"invalid_choice": _("This application cannot move to that stage from where it is.")},
        widget=forms.Select(attrs={"data-stage-select": ""}),
    )
    rejection_reason = forms.ChoiceField(
        label=_("Rejection reason"),
        required=False,
        choices=[("", "—")] + list(RejectionReason.choices),
        widget=forms.Select(attrs={"data-rejection-field": ""}),
    )
    reason = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when rejecting."),
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        targets = services.allowed_targets(application.stage)
        # Any stage is accepted here, so that a move the rules refuse gets the service's message
        # ("cannot move from … to …"); the select offers the allowed targets only.
        self.fields["to_stage"].choices = Stage.choices
        self.fields["to_stage"].widget.choices = [(s, Stage(s).label) for s in targets]
        self.fields["to_stage"].initial = services.next_stage(application.stage) or (
            targets[0] if targets else None
        )
        self.fields["from_stage"].initial = application.stage
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("move", _("Move")))


class ImportUploadForm(forms.Form):
    """The CSV file to import (French Excel export or English CSV), checked by its content:
    size, and text rather than a workbook, an archive, an image or a PDF
    (``services.validate_import_file``)."""

    file = forms.FileField(
        label=_("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        upload.seek(0)
        data = upload.read(settings.IMPORT_MAX_BYTES + 1)  # one byte over the limit is enough to refuse it
        upload.seek(0)
        services.validate_import_file(data)
        return upload
