"""The shared shape of a record that is drafted, submitted, then locked and amended only by
revisions: the rater's scorecard (assessments) and the mediator's observation (sessions).

One mechanism serves both: :class:`RevisionedRecord` carries the fields, the invariants every such
record has (database constraints named per table with ``%(app_label)s_%(class)s``: a revision after
the first has a reason; a submitted record has its submission date), the "counted" rule
(:meth:`RevisionedRecord.counted_q`) and the revision itself (:func:`revise`). Each concrete model
adds only what is its own: the subject it has one current revision of (a unique constraint on its
subject fields), who may revise it, and what a new revision copies.

The transitions, in one table (:data:`TRANSITIONS`): a draft is edited or submitted; a submitted
record is immutable and only revised, which opens a new draft revision (the submitted one is kept,
no longer current, and still counts until the new one is submitted).
"""

import copy

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class RevisionedRecord(models.Model):
    """Abstract: draft → submitted (immutable) → new revision with a mandatory reason; the
    superseded revision is kept with ``is_current`` false."""

    Status = SubmissionStatus

    status = models.CharField(
        _("status"), max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("revision of"),
    )
    revision_reason = models.TextField(_("reason for the revision"), blank=True)
    is_current = models.BooleanField(_("current revision"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    #: Set by each concrete model: the field holding the only user who may revise it, the fields a
    #: new revision copies, and its child rows copied with it as ``(related name, fields)``.
    revision_owner_field = ""
    revision_copied_fields: tuple[str, ...] = ()
    revision_copied_children: tuple[tuple[str, tuple[str, ...]], ...] = ()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revision=1) | ~models.Q(revision_reason=""),
                name="%(app_label)s_%(class)s_revision_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="%(app_label)s_%(class)s_submitted_has_date",
            ),
        ]

    @property
    def is_submitted(self) -> bool:
        return self.status == SubmissionStatus.SUBMITTED

    @classmethod
    def counted_q(cls) -> models.Q:
        """The records that count: submitted, in their standing revision — the current one, or,
        while a revision is an open draft, the submitted revision it supersedes (opening a revision
        never withdraws what was submitted; a draft never counts)."""
        return models.Q(status=SubmissionStatus.SUBMITTED) & (
            models.Q(is_current=True)
            | models.Q(superseded_by__is_current=True, superseded_by__status=SubmissionStatus.DRAFT)
        )


#: ``{(status, action): status after}``: what a record in each status allows. ``revise`` leaves the
#: submitted record as it is and opens a new draft revision.
TRANSITIONS = {
    (SubmissionStatus.DRAFT, "edit"): SubmissionStatus.DRAFT,
    (SubmissionStatus.DRAFT, "submit"): SubmissionStatus.SUBMITTED,
    (SubmissionStatus.SUBMITTED, "revise"): SubmissionStatus.DRAFT,
}


def allowed(status: str, action: str) -> bool:
    """Whether a record in ``status`` allows ``action`` (``"edit"``, ``"submit"``, ``"revise"``),
    by :data:`TRANSITIONS`."""
    return (status, action) in TRANSITIONS


def revise_check(record: RevisionedRecord, *, by, reason: str, messages: dict, owner_code="not_owner") -> str:
    """The check half of :func:`revise`, callable alone: raises ``ValidationError`` when ``by`` may
    not revise ``record`` now or gives no reason; returns the stripped reason.

    ``messages``: ``{"not_owner": …, "not_submitted": …, "reason": …}``, the record's own wording
    (``not_owner`` and ``not_submitted`` are raised without a field, ``reason`` keyed ``"reason"``);
    ``owner_code``: the error code of ``not_owner`` (``"not_rater"``, ``"not_mediator"``).
    """
    reason = (reason or "").strip()
    if getattr(record, f"{record.revision_owner_field}_id") != by.pk:
        raise ValidationError(messages["not_owner"], code=owner_code)
    if not (allowed(record.status, "revise") and record.is_current):
        raise ValidationError(messages["not_submitted"], code="not_submitted")
    if not reason:
        raise ValidationError({"reason": messages["reason"]})
    return reason


def revise(
    record: RevisionedRecord, *, by, reason: str, messages: dict, owner_code="not_owner"
) -> RevisionedRecord:
    """Open a new draft revision of the submitted, current ``record`` (call inside a transaction).

    Locks the record's row, checks with :func:`revise_check`, marks the record no longer current,
    creates revision ``n + 1`` (``supersedes`` it, with the reason) copying the model's
    ``revision_copied_fields`` and its ``revision_copied_children`` rows. Returns the new draft;
    raises ``ValidationError`` as :func:`revise_check`. The submitted record is never changed
    otherwise, and still counts (:meth:`RevisionedRecord.counted_q`) while the draft is open.
    """
    model = type(record)
    record = model.objects.select_for_update().get(pk=record.pk)
    reason = revise_check(record, by=by, reason=reason, messages=messages, owner_code=owner_code)
    model.objects.filter(pk=record.pk).update(is_current=False)
    copied = {name: copy.deepcopy(getattr(record, name)) for name in record.revision_copied_fields}
    revision = model.objects.create(
        **copied, revision=record.revision + 1, supersedes=record, revision_reason=reason
    )
    for related_name, fields in record.revision_copied_children:
        manager = getattr(record, related_name)
        child_model = manager.model
        link = manager.field.name
        child_model.objects.bulk_create(
            child_model(**{link: revision}, **{name: getattr(child, name) for name in fields})
            for child in manager.all()
        )
    return revision
