"""Forms for scheduling, observation and debriefs. Local date + time are turned into aware
datetimes with ``scheduling.localize`` (DST gaps and repeated hours get a clear error)."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cso_recruit import zones

from . import i18n, ipa, scheduling
from .models import CriticalIncident, Observation

TIMEZONE_CHOICES = zones.common_zone_choices()
RATING_CHOICES = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]


class _SlotMixin:
    """Adds ``date``, ``start``, ``end`` and ``tz`` fields; ``clean`` sets ``starts_at``/``ends_at``."""

    def _slot_fields(self):
        self.fields["date"] = forms.DateField(
            label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
        )
        # HH:MM (not the default HH:MM:SS, which makes browsers show a seconds field)
        self.fields["start"] = forms.TimeField(
            label=_("Start"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        )
        self.fields["end"] = forms.TimeField(
            label=_("End"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        )
        self.fields["tz"] = forms.ChoiceField(
            label=_("Time zone"), choices=TIMEZONE_CHOICES, initial=scheduling.DEFAULT_TIMEZONE
        )

    def _clean_slot(self, cleaned):
        if not all(cleaned.get(k) for k in ("date", "start", "end", "tz")):
            return cleaned
        for name, key in (("start", "starts_at"), ("end", "ends_at")):
            try:
                cleaned[key] = scheduling.localize(
                    datetime.combine(cleaned["date"], cleaned[name]), cleaned["tz"]
                )
            except ValidationError as exc:
                self.add_error(name, exc)
        if cleaned.get("starts_at") and cleaned.get("ends_at"):
            try:
                scheduling.check_interval(cleaned["starts_at"], cleaned["ends_at"])
            except ValidationError as exc:
                self.add_error("end", exc)
        return cleaned


class ScheduleForm(_SlotMixin, forms.Form):
    """Schedule a working session. A start in the past (catching up on a session that took place)
    is accepted only with ``confirm_past`` ticked: without it the form is invalid, with a warning
    on that field, and the page shows the checkbox beside the warning (``needs_past_confirmation``),
    the typed values kept."""

    location = forms.CharField(label=_("Place or video link"), max_length=300)
    problem = forms.CharField(
        label=_("Real business problem to work on"), widget=forms.Textarea(attrs={"rows": 3})
    )
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=None, empty_label=None)
    confirm_past = forms.BooleanField(
        label=_("Yes, this session is in the past: it took place at that time"), required=False
    )

    field_order = ["date", "start", "end", "tz", "location", "problem", "mediator", "confirm_past"]

    def __init__(self, *args, mandate, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._slot_fields()
        self.fields["mediator"].queryset = mandate.mediators.all()
        self.fields["mediator"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.order_fields(self.field_order)
        self.now = now
        self.needs_past_confirmation = False

    def clean(self):
        cleaned = self._clean_slot(super().clean())
        starts_at, now = cleaned.get("starts_at"), self.now or timezone.now()
        if starts_at is not None:
            try:  # an absurd year is an entry error to correct, not a past session to confirm
                scheduling.check_window(starts_at, now)
            except ValidationError as exc:
                self.add_error("date", exc)
                return cleaned
        if starts_at is not None and starts_at < now:
            self.needs_past_confirmation = True
            if not cleaned.get("confirm_past"):
                self.add_error(
                    "confirm_past",
                    ValidationError(
                        _(
                            "This session starts in the past. Tick the box to confirm that it took "
                            "place at that time, or correct the date."
                        ),
                        code="past",
                    ),
                )
        return cleaned


class RescheduleForm(_SlotMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._slot_fields()
        self.order_fields(["date", "start", "end", "tz", "reason"])

    def clean(self):
        return self._clean_slot(super().clean())


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=500)


class DimensionRatingsForm(forms.Form):
    """One 1–5 field per meta-communication dimension (used by debriefs and the observation)."""

    def __init__(self, *args, required=True, initial_ratings=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_ratings = initial_ratings or {}
        for code, label, anchors in i18n.dimensions():
            self.fields[f"dim_{code}"] = forms.ChoiceField(
                label=label,
                choices=RATING_CHOICES,
                required=required,
                initial=str(initial_ratings.get(code, "")),
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            self.fields[f"dim_{code}"].anchors = anchors

    def dimension_rows(self):
        return [(self[f"dim_{d.code}"], self.fields[f"dim_{d.code}"].anchors) for d in ipa.DIMENSIONS]

    def ratings(self):
        return {d.code: int(v) for d in ipa.DIMENSIONS if (v := self.cleaned_data.get(f"dim_{d.code}"))}


#: The punctuation question (Watzlawick et al. 1967, axiom 3), asked in both debriefs and, from
#: the outside, of the mediator.
PUNCTUATION_QUESTION = _(
    "What, in your view, started the main disagreement of the session, and how did it end?"
)


class DebriefForm(DimensionRatingsForm):
    punctuation = forms.CharField(
        label=PUNCTUATION_QUESTION,
        required=False,
        max_length=4000,
        help_text=_("A few sentences; leave it empty if there was no disagreement worth the name."),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    comment = forms.CharField(
        label=_("In your own words (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class ObservationForm(DimensionRatingsForm):
    """Ratings, verdict, confidence and synthesis of the observation (autosaved as a draft)."""

    verdict = forms.ChoiceField(
        label=_("Session verdict"),
        required=False,
        choices=[("", "—")] + list(Observation.Verdict.choices),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    confidence = forms.TypedChoiceField(
        label=_("Confidence in the verdict (1–5)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=RATING_CHOICES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    synthesis = forms.CharField(
        label=_("Synthesis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
    )
    punctuation = forms.CharField(
        label=_("What, seen from the outside, started the main disagreement, and how did it end?"),
        required=False,
        max_length=4000,
        help_text=_("Compared in the report with the CEO’s and the candidate’s own accounts."),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args, observation, **kwargs):
        super().__init__(*args, required=False, initial_ratings=observation.ratings, **kwargs)
        self.fields["verdict"].initial = observation.verdict
        self.fields["confidence"].initial = observation.confidence
        self.fields["synthesis"].initial = observation.synthesis
        self.fields["punctuation"].initial = observation.punctuation


#: A critical incident's minute goes from 0 to this (the model's bound, 10 hours).
INCIDENT_MINUTE_MAX = 600


class IncidentForm(forms.ModelForm):
    """A critical incident as typed by the mediator. The minute is declared here (not derived from
    the model, whose field would refuse −1 and 601 with two different generic messages) so that
    both ends of its range get one clear message."""

    minute = forms.IntegerField(
        label=capfirst(CriticalIncident._meta.get_field("minute").verbose_name),
        widget=forms.NumberInput(attrs={"min": 0, "max": INCIDENT_MINUTE_MAX, "class": "form-control"}),
    )

    class Meta:
        model = CriticalIncident
        fields = ["minute", "who", "tag", "behaviour", "interpretation"]
        widgets = {
            "who": forms.Select(attrs={"class": "form-select"}),
            "tag": forms.Select(attrs={"class": "form-select"}),
            "behaviour": forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            "interpretation": forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        }
        help_texts = {
            "behaviour": _("What was said or done, as observed — no interpretation here."),
            "interpretation": _("Your reading of it, kept apart from the facts."),
        }

    def clean_minute(self):
        minute = self.cleaned_data["minute"]
        if minute is not None and not 0 <= minute <= INCIDENT_MINUTE_MAX:
            raise ValidationError(
                _("The minute must be between %(min)s and %(max)s."),
                code="minute_range",
                params={"min": 0, "max": INCIDENT_MINUTE_MAX},
            )
        return minute


class SessionPlanForm(forms.Form):
    """The session plan: targeted roles and criteria (of the active framework, grouped by role),
    the participants' briefing and whether the briefing pack holds company data. Read-only
    (every field disabled) once the plan is frozen."""

    roles = forms.MultipleChoiceField(
        label=_("Roles this session targets"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )
    criteria = forms.MultipleChoiceField(
        label=_("Criteria this session targets"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
        help_text=_("Criteria of the active competency framework; session scorecards open with them."),
    )
    briefing = forms.CharField(
        label=_("Briefing for the participants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the CEO, the candidate and the mediator should know or prepare."),
    )
    has_company_data = forms.BooleanField(
        label=_("The briefing pack holds company data"),
        required=False,
        help_text=_("The candidate is then asked for a confidentiality undertaking."),
    )

    def __init__(self, *args, session, criteria, **kwargs):
        """``criteria``: the active framework's ``Criterion`` rows in display order."""
        from assessments.models import RoleGroup

        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(g.value, g.label) for g in RoleGroup]
        grouped = []
        for group in RoleGroup:
            options = [(str(c.pk), c.label) for c in criteria if c.group == group.value]
            if options:
                grouped.append((group.label, options))
        self.fields["criteria"].choices = grouped
        if not self.is_bound:
            self.initial = {
                "roles": list(session.target_roles or []),
                "criteria": [str(c.pk) for c in session.target_criteria.all()],
                "briefing": session.briefing,
                "has_company_data": session.briefing_has_company_data,
            }
        if not session.plan_editable:
            for field in self.fields.values():
                field.disabled = True

    def criterion_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["criteria"]]


class BriefingFileForm(forms.Form):
    file = forms.FileField(
        label=_("Add a file to the briefing pack"),
        help_text=_("PDF or Word (.docx), 5 MB at most; checked by its content."),
    )
