"""The shared shape of a record that is drafted, submitted, then locked and amended only by
revisions: the rater's scorecard (assessments) and the mediator's observation (sessions).

Invariants (each concrete model repeats them as database constraints in its ``Meta``, since
constraint names must be unique per table): one current revision per subject; a revision after
the first has a reason; a submitted record has its submission date.
"""

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

    class Meta:
        abstract = True

    @property
    def is_submitted(self) -> bool:
        return self.status == SubmissionStatus.SUBMITTED
