"""The decision meeting of one application (issue 11): the panel's independent votes and the CEO's
final decision, set against the product's reading (``figures.reading``).

* ``DecisionMeeting``: opened by a recruiter of the mandate while the application is at stage
  "decision"; at most one open meeting per application (a "need more evidence" decision closes it,
  and a later meeting may be opened when the application comes back to "decision"). It is closed by
  the CEO's final decision, which records the product's reading at that moment and, when the
  decision differs from it (:data:`DIFFERS`), the written reason.
* ``Vote``: one per panel member and meeting (database constraint); changed in place while the
  meeting is open (``revision`` counts the changes; earlier versions are not kept).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Application
from figures import reading as readings


class Choice(models.TextChoices):
    """What a vote and the final decision say."""

    HIRE = "hire", _("Hire")
    NO_HIRE = "no_hire", _("Do not hire")
    MORE_EVIDENCE = "more_evidence", _("Need more evidence")


#: The product's reading levels (``figures.reading.LEVELS``), stored with the decision.
class ReadingLevel(models.TextChoices):
    UNFAVOURABLE = readings.UNFAVOURABLE, _("unfavourable")
    INCOMPLETE = readings.INCOMPLETE, _("incomplete")
    RESERVED = readings.RESERVED, _("favourable with reservations")
    FAVOURABLE = readings.FAVOURABLE, _("favourable")


#: When a final decision *differs* from the product's reading (and needs a written reason):
#: decision → the reading levels it differs from. Hiring differs from an unfavourable or incomplete
#: reading; not hiring differs from a favourable one; asking for more evidence never differs (it
#: decides nothing). "Favourable with reservations" is consistent with hiring and with not hiring.
DIFFERS = {
    Choice.HIRE: frozenset({readings.UNFAVOURABLE, readings.INCOMPLETE}),
    Choice.NO_HIRE: frozenset({readings.FAVOURABLE}),
    Choice.MORE_EVIDENCE: frozenset(),
}


def differs_from_reading(decision: str, reading_level: str) -> bool:
    """Whether ``decision`` (a :class:`Choice` code) differs from the product's reading
    ``reading_level`` (a ``figures.reading.LEVELS`` code), by :data:`DIFFERS`."""
    return reading_level in DIFFERS.get(decision, frozenset())


class DecisionMeeting(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="decision_meetings", verbose_name=_("application")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    decision = models.CharField(_("final decision"), max_length=20, choices=Choice.choices, blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reading_level = models.CharField(
        _("product's reading at the decision"), max_length=20, choices=ReadingLevel.choices, blank=True
    )
    differs = models.BooleanField(_("differs from the product's reading"), default=False)
    differs_reason = models.TextField(_("why the decision differs from the reading"), blank=True)

    class Meta:
        ordering = ["application", "-opened_at", "-pk"]
        verbose_name = _("decision meeting")
        verbose_name_plural = _("decision meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(decided_at__isnull=True),
                name="decision_one_open_meeting_per_application",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True, decision="", reading_level="", differs=False)
                | (Q(decided_at__isnull=False) & ~Q(decision="") & ~Q(rationale="") & ~Q(reading_level="")),
                name="decision_closed_iff_decided_with_rationale",
            ),
            models.CheckConstraint(
                condition=Q(differs=False) | ~Q(differs_reason=""),
                name="decision_differs_has_reason",
            ),
        ]

    def __str__(self):
        return str(_("Decision meeting on %(application)s") % {"application": self.application})

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("decisions:meeting", kwargs={"pk": self.application_id})

    @property
    def is_open(self) -> bool:
        return self.decided_at is None


class Vote(models.Model):
    meeting = models.ForeignKey(
        DecisionMeeting, on_delete=models.CASCADE, related_name="votes", verbose_name=_("decision meeting")
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("voter")
    )
    choice = models.CharField(_("vote"), max_length=20, choices=Choice.choices)
    rationale = models.TextField(_("rationale"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["meeting", "cast_at", "pk"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "voter"], name="decision_one_vote_per_member"),
            models.CheckConstraint(condition=~Q(rationale=""), name="decision_vote_has_rationale"),
            models.CheckConstraint(
                condition=Q(choice__in=[c.value for c in Choice]), name="decision_vote_choice_known"
            ),
        ]

    def __str__(self):
        return f"{self.voter} — {self.get_choice_display()}"
