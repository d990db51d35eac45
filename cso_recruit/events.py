"""Domain events the lower layers publish and the composition layer listens to.

The app graph runs one way (README, "Layers"): ``candidates`` → ``assessments`` → ``sessions`` →
``figures`` → ``reports``. A write in a lower app (a scorecard submitted, a candidate's years
changed, a session held…) changes what the stored figures of ``figures`` say, but the lower app must
not import ``figures``. So each such service calls :func:`figures_inputs_changed` inside its
transaction; the ``figures`` app connects one receiver (``figures.services.figures_refresh``) that
recomputes the stored rows in the same transaction. Django's signals are synchronous, so the
receiver's writes commit or roll back with the change that caused them.
"""

from collections.abc import Iterable

from django.dispatch import Signal

#: Sent with ``application_ids``, ``candidate_ids``, ``mandate_ids``, ``statistics_mandate_ids``
#: (iterables of ints, any may be empty), ``all_applications`` (bool: every application, e.g. the
#: framework changed) and ``ratings`` (bool: counted ratings changed, so the mandates' agreement
#: statistics are stale).
inputs_changed = Signal()


def figures_inputs_changed(
    *,
    application_ids: Iterable[int] = (),
    candidate_ids: Iterable[int] = (),
    mandate_ids: Iterable[int] = (),
    statistics_mandate_ids: Iterable[int] = (),
    all_applications: bool = False,
    ratings: bool = False,
) -> None:
    """Tell the stored figures that their inputs changed.

    Args:
        application_ids: applications whose inputs changed (scorecards, sessions, stage…).
        candidate_ids: candidates whose file changed (years per domain, career years): all their
            applications are recomputed.
        mandate_ids: mandates whose settings changed (support domains, floors): all their
            applications are recomputed.
        all_applications: every application (a framework version changed).
        statistics_mandate_ids: mandates whose agreement statistics only must be recomputed (ratings
            deleted with their application, say).
        ratings: counted ratings changed, so the agreement statistics (α, rater flags) of the
            mandates concerned are recomputed too (by a Celery task, on commit).

    Call it inside the transaction of the write; it returns once the receivers have run.
    """
    inputs_changed.send(
        sender=None,
        application_ids=tuple(application_ids),
        candidate_ids=tuple(candidate_ids),
        mandate_ids=tuple(mandate_ids),
        statistics_mandate_ids=tuple(statistics_mandate_ids),
        all_applications=all_applications,
        ratings=ratings,
    )


#: Sent by ``candidates.services.application_move`` before an application moves, inside the
#: transaction and with the application's row locked, with ``application``, ``from_stage``,
#: ``to_stage`` (stage codes) and ``by`` (the user moving it, or ``None``). A receiver that refuses the
#: move raises ``django.core.exceptions.ValidationError`` keyed by field (``{"to_stage": …}``): the move
#: is not made and the message reaches the user. Higher layers (decisions, offers) connect their rules
#: here so that ``candidates`` never imports them.
stage_move_checked = Signal()

#: Sent by ``candidates.services.application_move`` after a move is saved and its transition
#: recorded, inside the same transaction, with ``application``, ``from_stage``, ``to_stage`` and
#: ``by``. Receivers' writes commit or roll back with the move (a start kit created on "hired", say).
stage_moved = Signal()


def stage_move_check(*, application, from_stage: str, to_stage: str, by) -> None:
    """Ask every higher layer whether ``application`` may move ``from_stage`` → ``to_stage``.

    Raises ``ValidationError`` (field-keyed) when a receiver refuses; returns ``None`` otherwise.
    Callable alone, without moving anything, so that a page can say beforehand why a move would be
    refused.
    """
    stage_move_checked.send(
        sender=None, application=application, from_stage=from_stage, to_stage=to_stage, by=by
    )


def stage_move_done(*, application, from_stage: str, to_stage: str, by) -> None:
    """Tell the higher layers that ``application`` moved ``from_stage`` → ``to_stage`` (call it
    inside the move's transaction, after the transition is recorded)."""
    stage_moved.send(sender=None, application=application, from_stage=from_stage, to_stage=to_stage, by=by)


class FiguresInputsAdminMixin:
    """For ``ModelAdmin`` classes whose saves and deletes change an input of the stored figures:
    after the write (in the admin's transaction) the figures are told, with the targets that
    :meth:`figures_targets` gives (keyword arguments of :func:`figures_inputs_changed`)."""

    def figures_targets(self, obj) -> dict:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _merged_targets(self, objects) -> dict:
        return self._merge(*(self.figures_targets(obj) for obj in objects))

    def lock_before_save(self, obj) -> None:
        """Lock what the write must lock before it writes (hook; nothing by default). Writes on an
        application's data lock the applications first, then the other rows."""

    def save_model(self, request, obj, form, change):
        before = {}
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = self.figures_targets(stored) if stored is not None else {}
        self.lock_before_save(obj)
        super().save_model(request, obj, form, change)
        # The targets before and after: an application moved to another mandate changes both.
        figures_inputs_changed(**self._merge(before, self.figures_targets(obj)))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        figures_inputs_changed(**self.figures_targets(form.instance))

    def delete_model(self, request, obj):
        targets = self.figures_targets(obj)
        super().delete_model(request, obj)
        figures_inputs_changed(**targets)

    def delete_queryset(self, request, queryset):
        targets = self._merged_targets(queryset)
        super().delete_queryset(request, queryset)
        figures_inputs_changed(**targets)

    @staticmethod
    def _merge(*targets) -> dict:
        merged: dict = {}
        for target in targets:
            for key, value in target.items():
                if isinstance(value, bool):
                    merged[key] = merged.get(key, False) or value
                else:
                    merged[key] = (*merged.get(key, ()), *value)
        return merged
