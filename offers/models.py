"""Offers and their ordered approvals.

* :class:`Offer` — one per application: the terms (start date, title, fixed and variable pay in one
  currency, trial period, notes), its status and the number of its approval round.
* :class:`OfferApprover` — the ordered approver list the recruiter edits between rounds (the
  mandate's CEO always among them).
* :class:`OfferApproval` — one per approver and round, copied from the list when the offer is
  submitted; decided in order, once.
* :class:`OfferEvent` — the timeline: every step (submitted, approved, rejected, withdrawn,
  accepted, declined) with who and when. Written once, never changed nor deleted.

Writes go through :mod:`offers.services`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from candidates.models import Application

#: Longest trial period, in months: four months for managers (cadres), renewable once — eight in
#: all (French Labour Code, art. L1221-19 and L1221-21).
TRIAL_MONTHS_MAX = 8
#: Most approvers in one list (the CEO included).
APPROVERS_MAX = 5


class Currency(models.TextChoices):
    EUR = "EUR", _("Euro (EUR)")
    CHF = "CHF", _("Swiss franc (CHF)")
    GBP = "GBP", _("Pound sterling (GBP)")
    USD = "USD", _("US dollar (USD)")


class ImmutableRecord(models.Model):
    """A recorded step: saving it again or deleting it is refused (``ValidationError``)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and type(self)._default_manager.filter(pk=self.pk).exists():
            raise ValidationError(_("A recorded step cannot be changed."), code="immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A recorded step cannot be deleted."), code="immutable")


class Offer(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting approval")
        REJECTED = "rejected", _("Rejected by an approver")
        APPROVED = "approved", _("Approved")
        ACCEPTED = "accepted", _("Accepted by the candidate")
        DECLINED = "declined", _("Declined by the candidate")
        WITHDRAWN = "withdrawn", pgettext_lazy("offer", "Withdrawn")

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="offer", verbose_name=_("application")
    )
    title = models.CharField(_("job title"), max_length=200)
    start_date = models.DateField(_("start date"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    fixed_pay = models.DecimalField(
        _("fixed pay (gross per year)"),
        max_digits=12,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0.01"), message=_("The fixed pay must be greater than zero."))
        ],
    )
    variable_pay = models.DecimalField(
        _("variable pay (gross per year, at target)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"), message=_("The variable pay cannot be negative."))],
        help_text=_("0 when there is none."),
    )
    trial_months = models.PositiveSmallIntegerField(
        _("trial period (months)"),
        default=4,
        validators=[MaxValueValidator(TRIAL_MONTHS_MAX, message=_("At most 8 months, renewal included."))],
        help_text=_("At most 8 months, renewal included."),
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    round = models.PositiveSmallIntegerField(_("approval round"), default=0)
    responded_on = models.DateField(_("candidate's answer on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(condition=models.Q(fixed_pay__gt=0), name="offer_fixed_pay_positive"),
            models.CheckConstraint(
                condition=models.Q(variable_pay__gte=0), name="offer_variable_pay_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(trial_months__lte=TRIAL_MONTHS_MAX), name="offer_trial_months_bounded"
            ),
            models.CheckConstraint(
                condition=models.Q(currency__in=[c.value for c in Currency]), name="offer_currency_known"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[
                        "draft",
                        "pending",
                        "rejected",
                        "approved",
                        "accepted",
                        "declined",
                        "withdrawn",
                    ]
                ),
                name="offer_status_known",
            ),
            # Submitted at least once before it can be anything but a draft.
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(round__gte=1), name="offer_submitted_has_round"
            ),
            # The candidate's answer has a date, and only an answer has one.
            models.CheckConstraint(
                condition=models.Q(status__in=["accepted", "declined"], responded_on__isnull=False)
                | (~models.Q(status__in=["accepted", "declined"]) & models.Q(responded_on__isnull=True)),
                name="offer_answer_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.application} — {self.title}"

    def get_absolute_url(self):
        return reverse("offers:offer", kwargs={"pk": self.application_id})

    @property
    def terms_open(self) -> bool:
        """Whether the terms and the approver list may be changed (not while a round is running,
        nor once approved or accepted)."""
        return self.status in EDITABLE_STATUSES

    def terms(self) -> dict:
        """The terms as recorded in a "submitted" step (JSON-ready: amounts as strings)."""
        return {
            "title": self.title,
            "start_date": self.start_date.isoformat(),
            "currency": self.currency,
            "fixed_pay": str(self.fixed_pay),
            "variable_pay": str(self.variable_pay),
            "trial_months": self.trial_months,
            "notes": self.notes,
        }


#: Statuses whose terms may be revised and submitted again (a new round).
EDITABLE_STATUSES = (
    Offer.Status.DRAFT,
    Offer.Status.REJECTED,
    Offer.Status.WITHDRAWN,
    Offer.Status.DECLINED,
)


class OfferApprover(models.Model):
    """One approver of the list the next round will use, at ``position`` (1 acts first)."""

    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="approvers", verbose_name=_("offer")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), validators=[MinValueValidator(1), MaxValueValidator(APPROVERS_MAX)]
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approver")
    )

    class Meta:
        ordering = ["offer", "position"]
        verbose_name = _("approver")
        verbose_name_plural = _("approvers")
        constraints = [
            models.UniqueConstraint(fields=["offer", "position"], name="offer_approver_unique_position"),
            models.UniqueConstraint(fields=["offer", "user"], name="offer_approver_unique_user"),
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=APPROVERS_MAX),
                name="offer_approver_position_bounded",
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.user}"


class OfferApproval(models.Model):
    """The approval of one approver in one round, at ``order`` (1 acts first). Undecided until the
    approver acts; then ``decision``, ``comment`` and ``decided_at`` are final (save refuses to
    change a decided approval)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", pgettext_lazy("offer", "Rejected")

    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("offer")
    )
    round = models.PositiveSmallIntegerField(_("approval round"), validators=[MinValueValidator(1)])
    order = models.PositiveSmallIntegerField(_("order"), validators=[MinValueValidator(1)])
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approver")
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["offer", "round", "order"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(fields=["offer", "round", "order"], name="offer_approval_unique_order"),
            models.UniqueConstraint(
                fields=["offer", "round", "approver"], name="offer_approval_unique_approver"
            ),
            models.CheckConstraint(
                condition=models.Q(round__gte=1, order__gte=1), name="offer_approval_round_order_positive"
            ),
            # Decided ⇔ a decision and its time; undecided ⇔ neither.
            models.CheckConstraint(
                condition=models.Q(decision__in=["approved", "rejected"], decided_at__isnull=False)
                | models.Q(decision="", decided_at__isnull=True),
                name="offer_approval_decided_has_time",
            ),
            # Only a requested approval (its turn came) can be decided.
            models.CheckConstraint(
                condition=models.Q(decided_at__isnull=True) | models.Q(requested_at__isnull=False),
                name="offer_approval_decided_was_requested",
            ),
            # A rejection says why.
            models.CheckConstraint(
                condition=~models.Q(decision="rejected") | ~models.Q(comment=""),
                name="offer_approval_rejection_has_comment",
            ),
        ]

    def __str__(self):
        return f"{self.offer_id} r{self.round} #{self.order} {self.approver} {self.decision or '…'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self)._default_manager.filter(pk=self.pk).values("decision").first()
            if stored is not None and stored["decision"]:
                raise ValidationError(_("A recorded step cannot be changed."), code="immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.decision:
            raise ValidationError(_("A recorded step cannot be deleted."), code="immutable")
        super().delete(*args, **kwargs)

    @property
    def is_decided(self) -> bool:
        return bool(self.decision)


class OfferEvent(ImmutableRecord):
    """One step of the offer's timeline, recorded once: who (``by``), when (``at``), in which
    round; ``order`` for an approver's decision, ``on_date`` for the candidate's answer, ``terms``
    (the frozen terms) for a submission."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", pgettext_lazy("offer", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("offer", "Withdrawn")
        ACCEPTED = "accepted", _("Accepted by the candidate")
        DECLINED = "declined", _("Declined by the candidate")

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="events", verbose_name=_("offer"))
    kind = models.CharField(_("step"), max_length=10, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(_("approval round"))
    order = models.PositiveSmallIntegerField(_("order"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    on_date = models.DateField(_("on"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    terms = models.JSONField(_("terms"), null=True, blank=True)

    class Meta:
        ordering = ["offer", "at", "pk"]
        verbose_name = _("offer step")
        verbose_name_plural = _("offer steps")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["submitted", "approved", "rejected", "withdrawn", "accepted", "declined"]
                ),
                name="offer_event_kind_known",
            ),
            # An approver's decision names its place in the order; nothing else does.
            models.CheckConstraint(
                condition=models.Q(kind__in=["approved", "rejected"], order__isnull=False, by__isnull=False)
                | (~models.Q(kind__in=["approved", "rejected"]) & models.Q(order__isnull=True)),
                name="offer_event_decision_has_order_and_by",
            ),
            # The candidate's answer has its date.
            models.CheckConstraint(
                condition=~models.Q(kind__in=["accepted", "declined"]) | models.Q(on_date__isnull=False),
                name="offer_event_answer_has_date",
            ),
            # A submission freezes the terms it was made with.
            models.CheckConstraint(
                condition=~models.Q(kind="submitted") | models.Q(terms__isnull=False, by__isnull=False),
                name="offer_event_submission_has_terms",
            ),
            # One decision per approver's place and round.
            models.UniqueConstraint(
                fields=["offer", "round", "order"],
                condition=models.Q(kind__in=["approved", "rejected"]),
                name="offer_event_one_decision_per_order",
            ),
            models.UniqueConstraint(
                fields=["offer", "round"],
                condition=models.Q(kind="submitted"),
                name="offer_event_one_submission_per_round",
            ),
        ]

    def __str__(self):
        return f"{self.offer_id} r{self.round} {self.kind}"
